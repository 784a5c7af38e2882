"""Class 2.0 ECM: faxgw's Class 2.0 driver on hw-sim's Class 2.0 modem (whose firmware is
spandsp's T.30) against faxgw's Class 1 session on hw-sim's Class 1 modem, both ways: ECM
with MMR, pages pixel-exact, ECM in the attempt's details; and a line that damages ECM
frames, repaired by PPR under the modem's own ECM."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from faxgw.modem.class2.session import Class2Config
from faxgw.modem.class2.variants import SESSIONS
from faxgw.modem.device import open_modem
from faxgw.modem.pages import ImagePages
from faxgw.page_decoder import G3Decoder
from faxgw.modem.sessions import SessionOptions, build_session
from faxgw.outcome import Outcome
from faxgw.session import Coding, ReceivedPage, Resolution
from hwsim import ModemBank
from hwsim.faults import Faults
from tests.interop.t30.faxgw_dte import images_of, ink_of, sent_ink

DRIVERS_DIR = Path(__file__).resolve().parents[3] / "drivers"
CLASS20 = DRIVERS_DIR / "hwsim-class20.toml"


def _inks(count: int, lines: int = 800, seed: int = 7) -> list[np.ndarray]:
    """Pages of random rectangles: about ten 256-octet ECM frames each in MMR, so that a
    line damaging one frame in three damages some on every page."""
    rng = np.random.default_rng(seed)
    inks = []
    for _ in range(count):
        ink = np.zeros((lines, 1728), bool)
        for _ in range(120):
            y, x = int(rng.integers(0, lines - 20)), int(rng.integers(0, 1600))
            ink[y:y + int(rng.integers(2, 20)), x:x + int(rng.integers(4, 120))] = True
        inks.append(ink)
    return inks


async def _class1_receive(device: str, listening: asyncio.Event):
    pages: list[ReceivedPage] = []
    async with open_modem(device, "hwsim-class1") as modem:
        listening.set()
        await modem.wait_for_ring(60)
        session = build_session(modem, SessionOptions(ident="1002"))
        result = await session.receive(pages.append)
    return result, pages


async def _class1_send(device: str, number: str, inks, resolution):
    async with open_modem(device, "hwsim-class1") as modem:
        session = build_session(modem, SessionOptions(ident="1001"))
        return await session.send(number, ImagePages(images_of(inks), resolution))


async def _class20_send(device: str, number: str, inks, resolution):
    async with open_modem(device, "hwsim-class20") as modem:
        session = SESSIONS["2.0"](modem.channel, modem.profile, Class2Config(ident="1001"),
                                  G3Decoder())
        return await session.send(number, ImagePages(images_of(inks), resolution))


async def _class20_receive(device: str, listening: asyncio.Event):
    pages: list[ReceivedPage] = []
    async with open_modem(device, "hwsim-class20") as modem:
        listening.set()
        await modem.wait_for_ring(60)
        session = SESSIONS["2.0"](modem.channel, modem.profile, Class2Config(ident="1002"),
                                  G3Decoder())
        result = await session.receive(pages.append)
    return result, pages


def _assert_ecm_mmr(result) -> None:
    assert result.outcome is Outcome.SUCCESS, result.to_json(indent=1)[-4000:]
    assert result.ecm is True and result.coding is Coding.MMR
    assert result.ecm_frame_size == 256


@pytest.mark.parametrize("faults", [None, Faults(bit_error_rate=2e-4,
                                                 bit_errors_on="ecm_frames")],
                         ids=["clean", "damaged_ecm_frames"])
async def test_class20_driver_sends_ecm_mmr_to_faxgw_class1(faults):
    inks = _inks(2)
    with ModemBank(timing="accelerated") as bank:
        a = bank.add_modem("1001", profile=CLASS20)
        b = bank.add_modem("1002")
        if faults is not None:
            bank.fault_next_call("1002", faults)
        listening = asyncio.Event()
        receiving = asyncio.ensure_future(_class1_receive(b.device, listening))
        await asyncio.wait_for(listening.wait(), 30)
        sent = await _class20_send(a.device, "1002", inks, Resolution.FINE)
        got, pages = await receiving
    _assert_ecm_mmr(sent)
    assert got.outcome is Outcome.SUCCESS and got.ecm is True, got.to_json(indent=1)[-3000:]
    assert sent.pages_confirmed == 2 and len(pages) == 2
    if faults is not None:
        # the receiver (faxgw's Class 1) asked for damaged frames again
        assert got.ecm_counters.pprs >= 1, got.to_json(indent=1)[-3000:]
    for ink, page in zip(inks, pages):
        want, have = sent_ink(ink, Resolution.FINE, sent), ink_of(page)
        assert have.shape == want.shape
        assert np.array_equal(have, want), f"page {page.index}: {np.sum(have != want)} differ"


@pytest.mark.parametrize("faults", [None, Faults(bit_error_rate=2e-4,
                                                 bit_errors_on="ecm_frames")],
                         ids=["clean", "damaged_ecm_frames"])
async def test_class20_driver_receives_ecm_mmr_from_faxgw_class1(faults):
    inks = _inks(2, seed=11)
    with ModemBank(timing="accelerated") as bank:
        a = bank.add_modem("1001")
        b = bank.add_modem("1002", profile=CLASS20)
        if faults is not None:
            bank.fault_next_call("1002", faults)
        listening = asyncio.Event()
        receiving = asyncio.ensure_future(_class20_receive(b.device, listening))
        await asyncio.wait_for(listening.wait(), 30)
        sent = await _class1_send(a.device, "1002", inks, Resolution.FINE)
        got, pages = await receiving
    assert sent.outcome is Outcome.SUCCESS and sent.ecm is True, sent.to_json(indent=1)[-3000:]
    _assert_ecm_mmr(got)
    assert len(pages) == 2 and got.pages_total == 2
    if faults is not None:
        # faxgw's Class 1 sender resent frames the modem's ECM (spandsp's) asked for
        assert sent.ecm_counters.frames_retransmitted >= 1, sent.to_json(indent=1)[-3000:]
    for ink, page in zip(inks, pages):
        want, have = sent_ink(ink, Resolution.FINE, sent), ink_of(page)
        assert have.shape == want.shape
        assert np.array_equal(have, want), f"page {page.index}: {np.sum(have != want)} differ"
