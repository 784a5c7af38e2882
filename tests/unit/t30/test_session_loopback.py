"""Two engines, each behind the real async runner, talking over an in-memory line.

Timers are scaled down (T4 = 0.3 s) so that time-outs happen in tests; everything else
is the code that runs against a modem.
"""

import asyncio
import json
import threading

import pytest

from faxgw.modem.class1.session import Class1Config, receive_fax, send_fax
from faxgw.outcome import Outcome
from faxgw.session import PageOutcome, Resolution
from faxgw.t30.frames import FCF
from faxgw.t30.link import DialResult, ModemFault
from faxgw.t30.negotiate import LocalCapabilities
from faxgw.t30.timers import Timers

from tests.unit.t30.fakeline import (LinePair, SyntheticDecoder, SyntheticPages, bad_fcs,
                                     corrupt_lines)

SCALE = 0.1
CALLER = Class1Config(local=LocalCapabilities(ident="+1 555 0100"),
                      timers=Timers().scaled(SCALE), io_margin_s=2.0)
ANSWERER = Class1Config(local=LocalCapabilities(ident="+44 20 7946"),
                        timers=Timers().scaled(SCALE), io_margin_s=2.0)


async def call(pair: LinePair, pages: SyntheticPages, caller=CALLER, answerer=ANSWERER):
    confirmed, received = [], []
    tx, rx = await asyncio.gather(
        send_fax(pair.a, "5551234", pages, caller, lambda p: confirmed.append(p.index)),
        receive_fax(pair.b, answerer, SyntheticDecoder(), received.append))
    return tx, rx, confirmed, received


def fcfs_sent(end, fcf) -> int:
    return sum(t.fcfs().count(fcf) + t.fcfs().count(fcf | 1) for t in end.sent if t.is_hdlc)


async def test_three_pages_arrive_in_order_and_are_confirmed():
    pages = SyntheticPages(3)
    tx, rx, confirmed, received = await call(LinePair(), pages)
    assert tx.outcome is Outcome.SUCCESS and rx.outcome is Outcome.SUCCESS
    assert confirmed == [0, 1, 2] and tx.pages_confirmed == 3
    assert [p.image for p in received] == [0, 1, 2]  # each page decoded as itself
    assert (tx.bit_rate, tx.modulation, tx.resolution, tx.coding.value) == \
        (14400, "V.17", Resolution.FINE, "MR")
    assert tx.remote_ident == "+44 20 7946" and rx.remote_ident == "+1 555 0100"
    assert tx.phase == "E" and tx.trainings == 1


async def test_result_is_json_with_a_timestamped_trace():
    tx, *_ = await call(LinePair(), SyntheticPages(1))
    data = json.loads(tx.to_json())
    assert data["success"] is True and data["outcome"] == "success"
    assert data["retry_class"] == "none" and data["reason"]
    kinds = {e["kind"] for e in data["trace"]}
    assert {"cmd", "tx", "rx", "note"} <= kinds
    times = [e["t_s"] for e in data["trace"]]
    assert times == sorted(times)
    assert any(e["what"].startswith("DCS ff 13 83") for e in data["trace"])


async def test_pages_are_encoded_off_the_event_loop():
    seen = []

    class Pages(SyntheticPages):
        def encode(self, index, fmt):
            seen.append(threading.get_ident())
            return super().encode(index, fmt)

    tx, *_ = await call(LinePair(), Pages(2))
    assert tx.success and seen and threading.get_ident() not in seen


async def test_tcf_errors_at_14400_fall_back_to_12000_and_succeed():
    def tamper(t):
        if not t.is_hdlc and t.modulation.bit_rate == 14400 and not any(t.data[:100]):
            t.data = (bytes(600) + b"\x10") * (len(t.data) // 601)  # TCF full of errors
        return [(0.0, t)]

    tx, rx, confirmed, _ = await call(LinePair(tamper), SyntheticPages(2))
    assert tx.success and tx.bit_rate == 12000 and confirmed == [0, 1]
    assert tx.trainings == 4  # three tries at 14400, one at 12000
    assert sum(1 for e in rx.trace if e.what.endswith(": FTT")) == 3


async def test_heavy_errors_on_a_page_get_rtn_and_the_page_is_sent_again():
    hits = []

    def tamper(t):
        if not t.is_hdlc and t.data and t.data[0] == 1 and not hits:  # page 2, first time
            hits.append(t)
            t.data = corrupt_lines(t.data, 5, 30)
        return [(0.0, t)]

    tx, rx, confirmed, received = await call(LinePair(tamper), SyntheticPages(3))
    assert tx.success and confirmed == [0, 1, 2]
    page = tx.pages[1]
    assert (page.attempts, page.retrains, page.outcome) == (2, 1, PageOutcome.CONFIRMED)
    assert tx.bit_rate == 12000  # retrained one step lower for the resend
    assert [p.image for p in received] == [0, 1, 2]  # the torn copy was not kept


async def test_line_dropped_during_page_3_of_5_reports_2_confirmed():
    pair = LinePair()

    def tamper(t):
        if not t.is_hdlc and t.data and t.data[0] == 2:
            pair.a.drop()
            return []
        return [(0.0, t)]

    pair.tamper = tamper
    tx, rx, confirmed, received = await call(pair, SyntheticPages(5))
    assert tx.outcome is Outcome.FAR_END_HUNG_UP and tx.pages_confirmed == 2
    assert confirmed == [0, 1] and len(received) == 2
    assert rx.outcome is Outcome.FAR_END_HUNG_UP
    assert [p.outcome for p in tx.pages[2:]] == [PageOutcome.NOT_SENT] * 3


async def test_lost_dcs_makes_the_far_end_repeat_dis_and_we_send_dcs_again():
    lost = []

    def tamper(t):
        if t.is_hdlc and FCF.DCS | 1 in t.fcfs() and not lost:
            lost.append(t)
            return []
        return [(0.0, t)]

    # The answerer's T4 a little shorter than ours (both are 3 s ± 15 %): its DIS repeat
    # comes while we still wait for CFR, which is the case this test is about.
    quick = Class1Config(local=ANSWERER.local, timers=Timers().scaled(SCALE * 0.5))
    pair = LinePair(tamper)
    tx, rx, confirmed, _ = await call(pair, SyntheticPages(1), answerer=quick)
    assert tx.success and lost
    assert fcfs_sent(pair.a, FCF.DCS) == 2
    assert any("DIS repeated" in e.what for e in tx.trace)


async def test_garbled_mps_gets_crp_and_is_repeated():
    done = []

    def tamper(t):
        if t.is_hdlc and FCF.MPS | 1 in t.fcfs() and not done:
            done.append(t)
            return [(0.0, bad_fcs(t))]
        return [(0.0, t)]

    pair = LinePair(tamper)
    tx, rx, *_ = await call(pair, SyntheticPages(2))
    assert tx.success and rx.success
    assert fcfs_sent(pair.b, FCF.CRP) == 1 and fcfs_sent(pair.a, FCF.MPS) == 2


async def test_echo_of_every_frame_is_ignored_on_both_sides():
    from dataclasses import replace

    def tamper(t):
        return [(0.0, t), (0.0, replace(t, sender="echo"))] if t.is_hdlc else [(0.0, t)]

    tx, rx, confirmed, _ = await call(LinePair(tamper), SyntheticPages(2))
    assert tx.success and rx.success and confirmed == [0, 1]
    assert any("echo" in e.what for e in tx.trace)


async def test_a_late_cfr_still_within_t4_is_taken():
    t4 = CALLER.timers.t4_s

    def tamper(t):
        late = t.is_hdlc and t.fcfs() == [FCF.CFR]
        return [(0.7 * t4 if late else 0.0, t)]

    pair = LinePair(tamper)
    tx, *_ = await call(pair, SyntheticPages(1))
    assert tx.success and fcfs_sent(pair.a, FCF.DCS) == 1


async def test_an_mcf_later_than_t4_makes_us_repeat_mps_and_still_succeed():
    t4 = CALLER.timers.t4_s
    delayed = []

    def tamper(t):
        if t.is_hdlc and t.fcfs() == [FCF.MCF] and not delayed:
            delayed.append(t)
            return [(1.5 * t4, t)]
        return [(0.0, t)]

    pair = LinePair(tamper)
    tx, rx, confirmed, received = await call(pair, SyntheticPages(2))
    assert tx.success and confirmed == [0, 1] and [p.image for p in received] == [0, 1]
    assert fcfs_sent(pair.a, FCF.MPS) >= 2


async def test_silent_far_end_is_no_fax_after_t1():
    pair = LinePair(lambda t: [] if t.sender == "answerer" else [(0.0, t)])
    tx = await send_fax(pair.a, "5551234", SyntheticPages(1), CALLER)
    assert tx.outcome is Outcome.NO_FAX_AT_FAR_END
    assert tx.outcome.retry.value == "no_fax"
    assert tx.duration_s == pytest.approx(CALLER.timers.t1_s, abs=0.5)
    assert pair.a.hung_up


@pytest.mark.parametrize("dial,outcome", [(DialResult.BUSY, Outcome.BUSY),
                                          (DialResult.NO_ANSWER, Outcome.NO_ANSWER),
                                          (DialResult.NO_CARRIER, Outcome.NO_CARRIER)])
async def test_dial_results(dial, outcome):
    pair = LinePair(dial_result=dial)
    tx = await send_fax(pair.a, "5551234", SyntheticPages(1), CALLER)
    assert tx.outcome is outcome and tx.phase == "A" and not pair.a.sent
    assert pair.a.hung_up


async def test_modem_fault_mid_call():
    pair = LinePair()

    async def broken(modulation, data):
        raise ModemFault("no OK after +FTM")

    pair.a.send_image = broken
    tx, rx, *_ = await asyncio.gather(
        send_fax(pair.a, "1", SyntheticPages(1), CALLER),
        receive_fax(pair.b, ANSWERER, SyntheticDecoder()), return_exceptions=False)
    assert tx.outcome is Outcome.MODEM_FAULT and tx.outcome.retry.value == "modem"
    assert rx.outcome in (Outcome.FAR_END_HUNG_UP, Outcome.PROTOCOL_TIMEOUT)


async def test_a_page_that_cannot_be_encoded_is_a_document_error():
    class Broken(SyntheticPages):
        def encode(self, index, fmt):
            raise ValueError("not a fax page")

    pair = LinePair()
    tx, rx, *_ = await asyncio.gather(send_fax(pair.a, "1", Broken(1), CALLER),
                                      receive_fax(pair.b, ANSWERER, SyntheticDecoder()))
    assert tx.outcome is Outcome.DOCUMENT_ERROR and "not a fax page" in tx.detail
    assert fcfs_sent(pair.a, FCF.DCN) == 1  # the receiver is told, not left to time out
    # (it listens for the page then, so it hears the DCN as a wrong carrier, then the
    # line going: either way it does not count the fax as received)
    assert rx.outcome is Outcome.FAR_END_HUNG_UP


async def test_cancel_hangs_up_and_reraises_without_leaking_tasks():
    pair = LinePair(lambda t: [] if t.sender == "answerer" else [(0.0, t)])
    before = asyncio.all_tasks()
    task = asyncio.ensure_future(send_fax(pair.a, "1", SyntheticPages(1), CALLER))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pair.a.hung_up
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()


async def test_async_page_confirmed_callbacks_are_awaited_before_the_result():
    stored = []

    async def persist(page):
        await asyncio.sleep(0.05)
        stored.append((page.index, page.outcome))

    pair = LinePair()
    tx, rx = await asyncio.gather(
        send_fax(pair.a, "1", SyntheticPages(2), CALLER, persist),
        receive_fax(pair.b, ANSWERER, SyntheticDecoder()))
    assert stored == [(0, PageOutcome.CONFIRMED), (1, PageOutcome.CONFIRMED)]


async def test_standard_resolution_far_end_gets_standard_pages():
    answerer = Class1Config(
        local=LocalCapabilities(resolutions=frozenset({Resolution.STANDARD}), mr=False),
        timers=Timers().scaled(SCALE))
    pages = SyntheticPages(1, Resolution.FINE)
    tx, rx, _, received = await call(LinePair(), pages, answerer=answerer)
    assert tx.success and tx.resolution is Resolution.STANDARD and tx.coding.value == "MH"
    # page 1 was first encoded as a guess (fine, while dialling), then for what DCS said
    assert pages.encoded[-1][1].resolution is Resolution.STANDARD
    assert received[0].fmt.resolution is Resolution.STANDARD


async def test_an_engine_bug_still_hangs_up_and_is_not_swallowed():
    pair = LinePair()

    async def garbage(timeout_s):
        raise RuntimeError("a bug below the engine")

    pair.a.receive_frame = garbage
    with pytest.raises(RuntimeError, match="a bug below"):
        await send_fax(pair.a, "1", SyntheticPages(1), CALLER)
    assert pair.a.hung_up


async def test_a_number_the_link_refuses_is_a_bad_number_not_a_crash():
    pair = LinePair()

    async def refuse(number, timeout_s):
        raise ValueError(f"not a diallable number: {number!r}")

    pair.a.dial = refuse
    tx = await send_fax(pair.a, "555;ATZ", SyntheticPages(1), CALLER)
    assert tx.outcome is Outcome.BAD_NUMBER and tx.outcome.retry.value == "permanent"
    assert pair.a.hung_up and "diallable" in tx.detail


def slow_hang_up(end, seconds: float, log: list):
    """A link's hang-up that, like ``AtClass1Link``'s recovery ladder, takes ``seconds``
    and finishes its work even when cancelled (it must not leave the port half reset)."""
    async def ladder():
        await asyncio.sleep(seconds)
        end.hung_up = True
        log.append("ladder done")

    async def hang_up():
        inner = asyncio.ensure_future(ladder())
        try:
            await asyncio.shield(inner)
        except asyncio.CancelledError:
            await asyncio.wait({inner})
            raise
    return hang_up


async def test_the_hang_up_gets_the_budget_the_link_declares():
    pair, log = LinePair(dial_result=DialResult.BUSY), []
    pair.a.hang_up = slow_hang_up(pair.a, 0.3, log)
    pair.a.hang_up_budget_s = 0.6  # more than the config's bound: the link knows its ladder
    config = Class1Config(local=CALLER.local, timers=CALLER.timers, hang_up_timeout_s=0.1)
    before = asyncio.all_tasks()
    result = await send_fax(pair.a, "1", SyntheticPages(1), config)
    assert result.outcome is Outcome.BUSY and log == ["ladder done"]
    assert not any(e.what == "hang-up failed" for e in result.trace)
    assert {t for t in asyncio.all_tasks() - before if not t.done()} == set()


async def test_a_hang_up_over_its_budget_is_cancelled_and_seen_to_end():
    """Regression: an overrun hang-up was cancelled but not awaited; a link that finishes
    its ladder when cancelled then kept running after the session had returned."""
    pair, log = LinePair(dial_result=DialResult.BUSY), []
    pair.a.hang_up = slow_hang_up(pair.a, 0.3, log)
    pair.a.hang_up_budget_s = 0.2  # the link underrates its ladder
    config = Class1Config(local=CALLER.local, timers=CALLER.timers, hang_up_timeout_s=0.15)
    before = asyncio.all_tasks()
    result = await send_fax(pair.a, "1", SyntheticPages(1), config)
    assert result.outcome is Outcome.BUSY
    assert any(e.what == "hang-up failed" for e in result.trace)  # over 0.2 s: cancelled
    assert log == ["ladder done"]  # ...and awaited (0.2 s + up to 0.15 s of grace)
    assert {t for t in asyncio.all_tasks() - before if not t.done()} == set()
