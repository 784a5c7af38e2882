"""ECM sessions through the real async runner on the in-memory line: frames damaged on
the line are asked for and resent until the pages are exact; a receiver still storing a
page holds the sender off with RNR."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from faxgw.modem.class1.session import Class1Config
from faxgw.outcome import Outcome
from faxgw.t30.ecm import FCD
from faxgw.t30.link import Modulation
from faxgw.t30.negotiate import LocalCapabilities
from faxgw.t30.timers import Timers

from tests.unit.t30.fakeline import LinePair, SyntheticDecoder, SyntheticPages
from tests.unit.t30.test_session_loopback import SCALE

ECM_CALLER = Class1Config(local=LocalCapabilities(ident="+1 555 0100", ecm=True),
                          timers=Timers().scaled(SCALE), io_margin_s=2.0)
ECM_ANSWERER = Class1Config(local=LocalCapabilities(ident="+44 20 7946", ecm=True),
                            timers=Timers().scaled(SCALE), io_margin_s=2.0)


async def ecm_call(pair, pages, decoder=None, caller=ECM_CALLER):
    from faxgw.modem.class1.session import receive_fax, send_fax

    received = []
    tx, rx = await asyncio.gather(
        send_fax(pair.a, "5551234", pages, caller),
        receive_fax(pair.b, ECM_ANSWERER, decoder or SyntheticDecoder(), received.append))
    return tx, rx, received


def damage_every_third_fcd_the_first_two_times():
    """Frames 0, 3, 6 ... of each carrier arrive with a bad FCS, twice over."""
    hits: dict[int, int] = {}

    def tamper(t):
        if t.modulation is Modulation.V21 or not t.is_hdlc:
            return [(0.0, t)]
        frames = []
        for i, f in enumerate(t.frames):
            number = f.data[3] if f.data[2] == FCD else None
            if number is not None and number % 3 == 0 and hits.get(number, 0) < 2:
                hits[number] = hits.get(number, 0) + 1
                f = replace(f, fcs_ok=False)
            frames.append(f)
        return [(0.0, replace(t, frames=frames))]
    return tamper


async def test_damaged_frames_are_resent_until_every_page_is_exact():
    pages = SyntheticPages(2, lines=100)  # 1600 bytes: 7 frames of 256
    tx, rx, received = await ecm_call(LinePair(damage_every_third_fcd_the_first_two_times()),
                                      pages)
    assert tx.outcome is Outcome.SUCCESS and rx.outcome is Outcome.SUCCESS
    assert [p.image for p in received] == [0, 1] and all(p.bad_lines == 0 for p in received)
    # Page 1: frames 0, 3, 6 damaged twice (two PPRs, 6 frames resent); page 2 clean,
    # since the hits are per frame number.
    assert tx.ecm_counters.pprs == rx.ecm_counters.pprs == 2
    assert tx.ecm_counters.frames_retransmitted == 6
    assert tx.ecm_counters.ecm_frames == 14 and tx.ecm and tx.ecm_frame_size == 256


async def test_a_slow_receiver_holds_the_sender_off_with_rnr():
    class SlowDecoder(SyntheticDecoder):
        def decode(self, data, fmt):
            if data:
                time.sleep(0.25)  # in a worker thread: longer than T4 (0.3 s) allows
            return super().decode(data, fmt)

    tx, rx, received = await ecm_call(LinePair(), SyntheticPages(2), SlowDecoder())
    assert tx.outcome is Outcome.SUCCESS and len(received) == 2
    assert rx.ecm_counters.rnrs >= 2 and tx.ecm_counters.rnrs == rx.ecm_counters.rnrs


async def test_ecm_offered_to_a_receiver_without_it_falls_back():
    from faxgw.modem.class1.session import receive_fax, send_fax

    plain = replace(ECM_ANSWERER, local=LocalCapabilities(ident="+44 20 7946"))
    pair = LinePair()
    tx, rx = await asyncio.gather(send_fax(pair.a, "1", SyntheticPages(1), ECM_CALLER),
                                  receive_fax(pair.b, plain, SyntheticDecoder()))
    assert tx.success and rx.success and not tx.ecm and tx.coding.value == "MR"
