"""Zoo quirks that a clean call does not meet, shown on the Class 1 link (two hw-sim modems
playing the family) or in the trace of a call."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest

from faxgw.modem.device import open_modem
from faxgw.modem.profiles import DRIVERS_DIR, find_profile
from faxgw.modem.quirks import Quirks
from faxgw.t30.link import DialResult, LinkTimeout, Modulation, WrongCarrier
from hwsim import ModemBank
from tests.integration.modem.zoo import zoo_call

DIS = bytes([0xFF, 0x13, 0x80, 0x00, 0xCE, 0xF4, 0x80])
TSI = bytes([0xFF, 0x03, 0x43]) + b" 1001               "
DCS = bytes([0xFF, 0x13, 0x83, 0x00, 0x46, 0x10, 0x00])
DIGI = find_profile("digi-acceleport", [DRIVERS_DIR])


async def _image_receive_meets_v21(profile) -> tuple[type[Exception], float]:
    """The called side listens for image data while the caller sends V.21 frames (as after
    a lost CFR): what does +FRM end with, and after how long?"""
    with ModemBank(timing="accelerated") as bank:
        caller_m = bank.add_modem("1001", profile=DRIVERS_DIR / "digi-acceleport.toml")
        called_m = bank.add_modem("1002", profile=DRIVERS_DIR / "digi-acceleport.toml")
        async with open_modem(caller_m.device, DIGI) as a, open_modem(called_m.device, profile) as b:
            outcome: dict = {}
            listened, caller_done = asyncio.Event(), asyncio.Event()

            async def called_side():
                await b.wait_for_ring(20)
                link = b.class1_link()
                await link.answer(20)
                await link.send_frames([DIS])
                started = time.monotonic()
                try:
                    await link.receive_image(Modulation.V29_9600, 8)
                except (WrongCarrier, LinkTimeout) as exc:
                    outcome["error"] = type(exc)
                outcome["after_s"] = time.monotonic() - started
                listened.set()
                await caller_done.wait()  # not under the caller's frames
                await link.hang_up()

            async def calling_side():
                link = a.class1_link()
                assert await link.dial("1002", 30) is DialResult.CONNECTED
                await link.receive_frame(10)
                while not listened.is_set():  # DCS again and again: a sender hearing no CFR
                    await link.send_frames([TSI, DCS])
                    await asyncio.sleep(0.5)
                caller_done.set()
                await link.hang_up()

            async with asyncio.timeout(60):
                await asyncio.gather(called_side(), calling_side())
    return outcome.get("error"), outcome["after_s"]


async def test_a_modem_that_never_says_fcerror_gets_wrong_carrier_from_the_hook():
    error, after_s = await _image_receive_meets_v21(DIGI)
    assert error is WrongCarrier and after_s < 5


async def test_without_the_hook_the_same_modem_is_a_plain_timeout():
    ignoring = replace(DIGI, quirks=Quirks())
    error, after_s = await _image_receive_meets_v21(ignoring)
    assert error is LinkTimeout and after_s >= 8


@pytest.mark.parametrize("family", ["multitech-agere", "mainpine-rockforce"])
def test_the_frh_connect_bug_is_played_and_the_runner_listens_again(tmp_path, family):
    call = zoo_call(tmp_path, family, ecm=False)
    assert call.success, call.explain()
    answerer = [e["what"] for e in call.got["trace"]]
    assert "carrier_lost" in answerer and any("listening again" in w for w in answerer)
