"""faxgw's Class 2.0 and Class 2 drivers on hw-sim's Class 2.0 / Class 2 modems, against efax
on a Class 1 modem: pages pixel-exact both ways, faults as failure reasons."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from faxgw.modem.pages import ImagePages
from faxgw.page_decoder import G3Decoder
from faxgw.modem.class2.session import Class2Config
from faxgw.modem.class2.variants import SESSIONS
from faxgw.modem.device import open_modem
from faxgw.outcome import Outcome
from faxgw.session import Coding, PageFormat, ReceivedPage, Resolution, SessionResult
from hwsim import ModemBank
from hwsim.faults import Faults
from tests.hwsim.efaxrun import (EfaxPair, expected_received, make_pages, read_fax,
                                 require_efax)
from tests.interop.t30.faxgw_dte import images_of, ink_of, sent_ink

pytestmark = pytest.mark.interop

PROFILES = {"2.0": "hwsim-class20", "2": "hwsim-class2"}
DRIVERS_DIR = Path(__file__).resolve().parents[3] / "drivers"


def _hw_profile(fclass: str):
    return DRIVERS_DIR / f"{PROFILES[fclass]}.toml"


@pytest.fixture(scope="module", autouse=True)
def compiled_codec():
    """A gateway that has run for a while has its G3 codec compiled (numba, cached on
    disk). In a fresh tree the first encode and decode compile it, which can take longer
    than a far end waits for a page or for the answer to its post-page message: do it
    before the calls, unbounded."""
    fmt = PageFormat(Coding.MR, Resolution.STANDARD, 1728, 0, 14400)
    ink = np.zeros((40, 1728), bool)
    ink[10:20, 100:300] = True
    data = ImagePages(images_of([ink]), Resolution.STANDARD).encode(0, fmt)
    G3Decoder().decode(data, fmt)


@pytest.fixture
def efax(tmp_path):
    require_efax()
    pair = EfaxPair(tmp_path)
    yield pair
    pair.close()


async def class2_send(device: str, fclass: str, number: str, inks, resolution,
                      confirmed: list | None = None,
                      config: Class2Config = Class2Config(ident="1001")) -> SessionResult:
    async with open_modem(device, PROFILES[fclass]) as modem:
        assert modem.fclass == fclass
        session = SESSIONS[fclass](modem.channel, modem.profile, config, G3Decoder())
        callback = confirmed.append if confirmed is not None else None
        return await session.send(number, ImagePages(images_of(inks), resolution), callback)


async def class2_receive(device: str, fclass: str, listening: asyncio.Event
                         ) -> tuple[SessionResult, list[ReceivedPage]]:
    pages: list[ReceivedPage] = []
    async with open_modem(device, PROFILES[fclass]) as modem:
        listening.set()
        await modem.wait_for_ring(60)
        session = SESSIONS[fclass](modem.channel, modem.profile, Class2Config(ident="1002"),
                                   G3Decoder())
        result = await session.receive(pages.append)
    return result, pages


# Two pages (MPS then EOP) through the Class 2.0 modem; one through the Class 2 modem, whose
# dialect differs only in names and handshakes.
@pytest.mark.parametrize("fclass,count", [("2.0", 2), ("2", 1)])
async def test_class2_driver_sends_to_efax_class1(efax, tmp_path, fclass, count):
    fine = fclass == "2.0"
    resolution = Resolution.FINE if fine else Resolution.STANDARD
    inks = [ink for _, ink in make_pages(tmp_path, count, lines=200, fine=fine)]
    with ModemBank(timing="accelerated") as bank:
        a = bank.add_modem("1001", profile=_hw_profile(fclass))
        b = bank.add_modem("1002")
        receiver = efax.start_receiver(b.device)
        confirmed: list = []
        # The 2.0 case asks for ECM: the modem's +FCC=? offers none, so none is used.
        config = Class2Config(ident="1001", ecm=fclass == "2.0")
        result = await class2_send(a.device, fclass, "1002", inks, resolution, confirmed,
                                   config)
        received = await asyncio.to_thread(efax.receiver_result, receiver)
        record = await bank.wait_for_call_async("1002", timeout=30)
    assert result.outcome is Outcome.SUCCESS, result.to_json(indent=1)[-4000:]
    assert received.returncode == 0, received.log[-3000:]
    assert result.modem_class == fclass and result.remote_ident == "1002"
    assert [p.index for p in confirmed] == list(range(count))
    assert result.pages_confirmed == count
    assert result.resolution is resolution and result.bit_rate == 14400
    files = efax.received_files()
    assert len(files) == count
    for ink, path in zip(inks, files):
        want, got = sent_ink(ink, resolution, result), read_fax(path)
        assert got.shape == want.shape
        assert np.array_equal(got, want), f"{path.name}: {np.sum(got != want)} pixels differ"
    assert record["result"] == "completed"
    assert any(e.what.startswith("AT+FDT") for e in result.trace)
    assert result.ecm is False
    assert any(e.what == "AT+FCC=?" for e in result.trace) is (fclass == "2.0")


@pytest.mark.parametrize("fclass,count", [("2.0", 2), ("2", 1)])
async def test_class2_driver_receives_from_efax_class1(efax, tmp_path, fclass, count):
    fine = fclass == "2"
    made = make_pages(tmp_path, count, lines=200, fine=fine)
    with ModemBank(timing="accelerated") as bank:
        a = bank.add_modem("1001")
        b = bank.add_modem("1002", profile=_hw_profile(fclass))
        listening = asyncio.Event()
        receiving = asyncio.ensure_future(class2_receive(b.device, fclass, listening))
        await asyncio.wait_for(listening.wait(), 30)
        sent = await asyncio.to_thread(efax.send, a.device, "1002", [p for p, _ in made])
        result, pages = await receiving
    assert sent.returncode == 0, sent.log[-3000:]
    assert result.outcome is Outcome.SUCCESS, result.to_json(indent=1)[-4000:]
    assert result.modem_class == fclass and result.remote_ident == "1001"
    assert len(pages) == count and result.pages_total == count
    assert result.resolution is (Resolution.FINE if fine else Resolution.STANDARD)
    for (_, ink), page in zip(made, pages):
        want, got = expected_received(ink, fine), ink_of(page)
        assert got.shape == want.shape
        assert np.array_equal(got, want), f"page {page.index}: {np.sum(got != want)} differ"


def _blank_inks(count: int = 1) -> list[np.ndarray]:
    ink = np.zeros((120, 1728), bool)
    ink[40:60, 100:900] = True
    return [ink] * count


@pytest.mark.parametrize("faults,outcome", [
    (Faults(busy=True), Outcome.BUSY),
    (Faults(no_answer=True), Outcome.NO_ANSWER),
    (Faults(voice_answer=True), Outcome.NO_CARRIER),
], ids=["busy", "no_answer", "voice"])
async def test_class20_call_failures_before_the_fax(faults, outcome):
    # Only phase A happens: a faster line than "accelerated" (efax plays no part here).
    with ModemBank(timing=0.005) as bank:
        a = bank.add_modem("1001", profile=_hw_profile("2.0"))
        bank.add_modem("1002")
        bank.fault_next_call("1002", faults)
        result = await class2_send(a.device, "2.0", "1002", _blank_inks(), Resolution.STANDARD)
    assert result.outcome is outcome, result.to_json(indent=1)[-3000:]
    assert result.phase == "A" and result.pages_confirmed == 0


async def test_line_dropped_during_a_page_is_far_end_hung_up(efax, tmp_path):
    with ModemBank(timing="accelerated") as bank:
        a = bank.add_modem("1001", profile=_hw_profile("2"))
        b = bank.add_modem("1002")
        bank.fault_next_call("1002", Faults(drop_during_page=1, drop_after_page_bytes=200))
        receiver = efax.start_receiver(b.device)
        result = await class2_send(a.device, "2", "1002", _blank_inks(2), Resolution.STANDARD)
        await asyncio.to_thread(efax.receiver_result, receiver)
    assert result.outcome is Outcome.FAR_END_HUNG_UP, result.to_json(indent=1)[-3000:]
    # The modem reported the phase C hang-up code (+FHNG:40, T.32 Table 26).
    assert any(e.what == "hang-up code 40" for e in result.trace)
    assert result.pages_confirmed == 0 and result.phase == "C"
    assert result.pages[0].attempts == 1 and result.pages[1].attempts == 0


async def test_training_failure_is_reported_by_hang_up_code(efax, tmp_path):
    """Every training is wrecked by line noise: the modem's firmware (spandsp's T.30)
    trains at 2400 bit/s, the only speed the DTE allowed (+FCC BR=0), is answered FTT, has
    no lower speed to fall back to and gives up with +FHS:27, which the driver turns into
    TRAINING_FAILED."""
    with ModemBank(timing="accelerated") as bank:
        a = bank.add_modem("1001", profile=_hw_profile("2.0"))
        b = bank.add_modem("1002")
        bank.fault_next_call("1002", Faults(bit_error_rate=0.05, bit_errors_on="training"))
        receiver = efax.start_receiver(b.device)
        result = await class2_send(a.device, "2.0", "1002", _blank_inks(), Resolution.STANDARD,
                                   config=Class2Config(ident="1001", bit_rate_code=0))
        await asyncio.to_thread(efax.receiver_result, receiver)
    assert result.outcome is Outcome.TRAINING_FAILED, result.to_json(indent=1)[-3000:]
    assert any(e.what == "hang-up code 27" for e in result.trace)
    assert result.phase == "B" and result.pages_confirmed == 0


async def test_line_dropped_while_receiving_keeps_no_partial_page(efax, tmp_path):
    made = make_pages(tmp_path, 1, lines=200)
    with ModemBank(timing="accelerated") as bank:
        a = bank.add_modem("1001")
        b = bank.add_modem("1002", profile=_hw_profile("2.0"))
        bank.fault_next_call("1002", Faults(drop_during_page=1, drop_after_page_bytes=300))
        listening = asyncio.Event()
        receiving = asyncio.ensure_future(class2_receive(b.device, "2.0", listening))
        await asyncio.wait_for(listening.wait(), 30)
        await asyncio.to_thread(efax.send, a.device, "1002", [p for p, _ in made])
        result, pages = await receiving
    assert result.outcome is Outcome.FAR_END_HUNG_UP, result.to_json(indent=1)[-3000:]
    assert any(e.what == "hang-up code 90" for e in result.trace)  # phase C, receiving
    assert pages == [] and result.pages_total == 0 and result.phase == "C"
