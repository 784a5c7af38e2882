"""Whole ECM sessions over hw-sim's stock Class 1 modem, whose +FTH=?/+FRH=? answer 3 alone
(as spandsp's and most hardware do): the session factory still turns ECM and MMR on, the
sending faxgw frames the partial pages itself and sends them as +FTM data, the receiving
faxgw deframes them from +FRM data. Clean and with the line's bit errors on those frames;
pages pixel-exact either way, and what was resent counted in the attempt's record."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from faxgw import g3
from faxgw.modem.device import open_modem
from faxgw.modem.pages import ImagePages
from faxgw.modem.sessions import SessionOptions, build_session
from faxgw.session import Coding, PageOutcome, Resolution
from hwsim import Faults, ModemBank
from tests.interop.t30.faxgw_dte import images_of, ink_of, sent_ink
from tests.interop.t30.test_ecm_hwsim import busy_pages

PROFILE = "hwsim-class1"


@pytest.fixture
def bank():
    with ModemBank(timing="accelerated") as bank:
        yield bank


async def call(bank, inks, faults=None, frame_size=256):
    await asyncio.to_thread(g3.warm_up)  # a cold codec on both ends at once can miss T2
    a, b = bank.add_modem("1001"), bank.add_modem("1002")
    if faults is not None:
        bank.fault_next_call("1002", faults)
    received = []

    async def receive():
        async with open_modem(b.device, PROFILE) as modem:
            assert modem.info.fth == (3,) and modem.info.frh == (3,)
            await modem.wait_for_ring(30)
            session = build_session(modem, SessionOptions(ident="1002"))
            return await session.receive(received.append)

    async def send():
        async with open_modem(a.device, PROFILE) as modem:
            session = build_session(modem, SessionOptions(ident="1001",
                                                          ecm_frame_size=frame_size))
            return await session.send("1002", ImagePages(images_of(inks), Resolution.FINE))

    receiving = asyncio.ensure_future(receive())
    await asyncio.sleep(0.5)
    sent = await send()
    got = await receiving
    assert sent.success and got.success, sent.to_json(indent=1)[-3000:]
    assert sent.ecm and got.ecm and sent.coding is Coding.MMR and got.coding is Coding.MMR
    assert len(received) == len(inks)
    for ink, page in zip(inks, received):
        want, have = sent_ink(ink, Resolution.FINE, sent), ink_of(page)
        assert np.array_equal(have, want), f"page {page.index}: {np.sum(have != want)} differ"
    record, = bank.calls()
    framed = {c["hdlc_framed_by"] for c in record["carriers"] if c["page"] is not None}
    assert framed == {"dte"}, record["carriers"]  # every partial page framed by faxgw
    return sent, got


async def test_ecm_mmr_framed_by_the_host_on_a_clean_line(bank):
    sent, got = await call(bank, busy_pages(2))
    tx, rx = sent.ecm_counters, got.ecm_counters
    assert tx.pprs == rx.pprs == 0 and tx.frames_retransmitted == 0
    assert tx.ecm_frames == rx.ecm_frames > 2 * 10
    assert [p.outcome for p in sent.pages] == [PageOutcome.CONFIRMED] * 2


async def test_bit_errors_in_host_framed_data_cost_resent_frames_not_pixels(bank):
    faults = Faults(bit_error_rate=1e-4, bit_errors_on="ecm_frames")
    sent, got = await call(bank, busy_pages(2), faults=faults, frame_size=64)
    tx, rx = sent.ecm_counters, got.ecm_counters
    assert tx.pprs >= 1 and rx.pprs == tx.pprs
    assert 1 <= tx.frames_retransmitted < tx.ecm_frames
    record = json.loads(sent.to_json())  # what the scheduler keeps in the attempt
    assert record["frames_retransmitted"] == tx.frames_retransmitted >= 1
    assert record["pprs"] == tx.pprs and record["ecm_frame_size"] == 64
