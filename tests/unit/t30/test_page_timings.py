"""Page timings as the Class 1 runner measures them (``PageResult.sending_s``): from the
start of a page's image data (its last transmission; with ECM its first frames) to the
confirmation, checked against the trace's own timestamps of those two moments."""

from __future__ import annotations

import pytest

from faxgw.scheduler.attempt import page_seconds

from tests.unit.t30.fakeline import LinePair, SyntheticPages, corrupt_lines
from tests.unit.t30.test_session_loopback import call
from tests.unit.t30.test_session_loopback_ecm import ecm_call


def trace_times(result, page_starts: str) -> list[float]:
    """Per confirmed page, from the trace: confirmation time minus its data's start."""
    out, started = [], None
    for entry in result.trace:
        if entry.kind == "cmd" and entry.what == page_starts and \
                (page_starts == "SendImage" or started is None):
            started = entry.t_s
        elif entry.kind == "note" and entry.what.endswith(" confirmed"):
            out.append(entry.t_s - started)
            started = None
    return out


async def test_a_page_sent_again_after_rtn_counts_from_its_resend():
    hits = []

    def tamper(t):
        if not t.is_hdlc and t.data and t.data[0] == 1 and not hits:  # page 2, first time
            hits.append(t)
            t.data = corrupt_lines(t.data, 5, 30)
        return [(0.0, t)]

    tx, _, confirmed, _ = await call(LinePair(tamper), SyntheticPages(3))
    assert tx.success and confirmed == [0, 1, 2] and tx.pages[1].attempts == 2
    seconds = [p.sending_s for p in tx.pages]
    assert all(s is not None and s > 0 for s in seconds)
    assert seconds == pytest.approx(trace_times(tx, "SendImage"), abs=0.01)
    assert page_seconds(tx) == tuple(seconds)


async def test_pages_never_confirmed_have_no_timing():
    pair = LinePair()

    def tamper(t):
        if not t.is_hdlc and t.data and t.data[0] == 2:
            pair.a.drop()
            return []
        return [(0.0, t)]

    pair.tamper = tamper
    tx, _, confirmed, _ = await call(pair, SyntheticPages(4))
    assert confirmed == [0, 1]
    assert [p.sending_s is None for p in tx.pages] == [False, False, True, True]
    assert len(page_seconds(tx)) == 2


async def test_an_ecm_page_counts_from_its_first_frames():
    tx, rx, _ = await ecm_call(LinePair(), SyntheticPages(2, lines=100))
    assert tx.success and tx.ecm
    seconds = [p.sending_s for p in tx.pages]
    assert all(s is not None and s > 0 for s in seconds)
    assert seconds == pytest.approx(trace_times(tx, "SendHdlcFrames"), abs=0.01)
