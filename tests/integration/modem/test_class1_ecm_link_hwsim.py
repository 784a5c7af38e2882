"""ECM's HDLC at image speeds between two hw-sim modems, both ways it is done: framed by
faxgw and carried as image data (+FTM/+FRM) on hw-sim's stock modem, whose +FTH=? is 3
alone, and framed by the modem (+FTH=<mod>/+FRH=<mod>) on the one profile that lists HDLC
at speed: frames with DLE bytes cross exact and in order, the line's bit errors show as FCS
errors, and a receiver set for the image speed that hears V.21 leaves that carrier to
+FRH=3."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from faxgw.modem.device import open_modem
from faxgw.modem.profiles import DRIVERS_DIR, find_profile
from faxgw.t30.ecm import block_frames, is_fcd
from faxgw.t30.link import DialResult, Modulation, WrongCarrier
from hwsim import Faults, ModemBank
from tests.integration.modem.test_class1_link_hwsim import (CALLED, CALLER, DIS, PROFILE,
                                                            answer_when_ringing, device)

# The modem that frames HDLC at speed itself, with its profile set to let it.
LUCENT = replace(find_profile("hwsim-class1-lucent", [DRIVERS_DIR]), ecm_framing="modem")
FRAMINGS = {"host": PROFILE, "modem": LUCENT}

PAYLOADS = [bytes((n,)) * 100 + b"\x10\x03\x10\x10" + bytes(range(152)) for n in range(40)]
PPS = bytes([0xFF, 0x13, 0xBF, 0x2E, 0x00, 0x00, 0x27])


@pytest.fixture(params=sorted(FRAMINGS))
def framing(request):
    return request.param


@pytest.fixture
def profile(framing):
    return FRAMINGS[framing]


@pytest.fixture
def bank(profile):
    with ModemBank(timing="accelerated") as bank:
        bank.add_modem(CALLER, name="caller", profile=profile.path)
        bank.add_modem(CALLED, name="called", profile=profile.path)
        yield bank


async def ecm_exchange(bank, profile, modulation=Modulation.V17_14400_SHORT):
    """The caller sends 40 FCD frames and 3 RCP at ``modulation``, then PPS on V.21."""
    async with open_modem(device(bank, "caller"), profile) as a, \
            open_modem(device(bank, "called"), profile) as b:
        caller = a.class1_link()

        async def called_side():
            link = await answer_when_ringing(b)
            await link.send_frames([DIS])
            frames = await link.receive_hdlc(modulation, 10)
            pps = await link.receive_frame(10)
            await link.hang_up()
            return frames, pps

        async def calling_side():
            assert await caller.dial(CALLED, 30) is DialResult.CONNECTED
            await caller.receive_frame(10)
            await caller.send_silence(75)
            await caller.send_hdlc(modulation, list(block_frames(PAYLOADS)))
            await caller.send_silence(75)
            await caller.send_frames([PPS])
            await caller.hang_up()

        (frames, pps), _ = await asyncio.gather(called_side(), calling_side())
    return frames, pps


async def test_the_stock_modem_frames_hdlc_at_v21_only():
    assert PROFILE.capabilities.fth == PROFILE.capabilities.frh == (3,)


async def test_ecm_frames_cross_at_14400_exact_and_in_order(bank, profile):
    frames, pps = await ecm_exchange(bank, profile)
    assert [f.data for f in frames] == list(block_frames(PAYLOADS))
    assert all(f.fcs_ok for f in frames) and pps.data == PPS


async def test_bit_errors_on_ecm_frames_show_as_fcs_errors_only_there(bank, profile, framing):
    bank.fault_next_call(CALLED, Faults(bit_error_rate=3e-4, bit_errors_on="ecm_frames"))
    frames, pps = await ecm_exchange(bank, profile, Modulation.V29_9600)
    sent = list(block_frames(PAYLOADS))
    damaged = [f for f in frames if not f.fcs_ok]
    assert damaged and len(damaged) < 40  # about half of 2100-bit frames at 3e-4
    good = [f.data for f in frames if f.fcs_ok]
    assert good == [frame for frame in sent if frame in good]  # exact, in order
    if framing == "modem":
        assert len(frames) == 43  # every frame is delivered, damaged ones marked
        assert sum(1 for f in frames if f.fcs_ok and is_fcd(f.data)) == 40 - sum(
            1 for f in damaged if len(f.data) > 3)
    else:  # the host's deframer: a flag hit by an error may merge two frames into one
        assert 30 < len(frames) <= 43 and len(set(good)) == len(good) - good.count(sent[-1]) + 1
    assert pps.fcs_ok and pps.data == PPS  # V.21 is clean: the fault is on ECM frames only


async def test_listening_for_ecm_frames_on_v21_is_wrong_carrier_and_keeps_the_frame(
        bank, profile):
    async with open_modem(device(bank, "caller"), profile) as a, \
            open_modem(device(bank, "called"), profile) as b:
        caller = a.class1_link()

        async def called_side():
            link = await answer_when_ringing(b)
            await link.send_frames([DIS])
            await link.send_silence(200)
            await link.send_frames([DIS])  # repeated: the caller listens for ECM frames
            await asyncio.sleep(1.0)
            await link.hang_up()

        async def calling_side():
            assert await caller.dial(CALLED, 30) is DialResult.CONNECTED
            await caller.receive_frame(10)
            with pytest.raises(WrongCarrier):
                await caller.receive_hdlc(Modulation.V17_14400_SHORT, 10)
            frame = await caller.receive_frame(10)  # the DIS is still there for +FRH=3
            await caller.hang_up()
            return frame

        _, dis = await asyncio.gather(called_side(), calling_side())
    assert dis.data == DIS


async def test_a_cancelled_send_hdlc_leaves_v21_for_the_next_frames(bank, profile):
    """A call stopped mid-partial-page still says DCN on V.21, not at the image speed."""
    dcn = bytes([0xFF, 0x13, 0xFB])
    many = list(block_frames([bytes(256)] * 200))
    async with open_modem(device(bank, "caller"), profile) as a, \
            open_modem(device(bank, "called"), profile) as b:
        caller = a.class1_link()

        async def called_side():
            link = await answer_when_ringing(b)
            await link.send_frames([DIS])
            frames = await link.receive_hdlc(Modulation.V29_9600, 10)
            goodbye = await link.receive_frame(10)
            await link.hang_up()
            return frames, goodbye

        async def calling_side():
            assert await caller.dial(CALLED, 30) is DialResult.CONNECTED
            await caller.receive_frame(10)
            sending = asyncio.ensure_future(caller.send_hdlc(Modulation.V29_9600, many))
            await asyncio.sleep(0.5)
            sending.cancel()
            with pytest.raises(asyncio.CancelledError):
                await sending
            await caller.send_frames([dcn])
            await caller.hang_up()

        (frames, goodbye), _ = await asyncio.gather(called_side(), calling_side())
    assert 0 < len(frames) < len(many)
    assert goodbye.data == dcn and goodbye.fcs_ok
