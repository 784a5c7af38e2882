"""The Class 1 link against hw-sim's simulated T.31 modems: two modems on a virtual line.

hw-sim imports nothing from faxgw, so framing (DLE, FCS, CONNECT/OK sequencing) is checked
by an implementation that did not share our mistakes.
"""

import asyncio
import json
import random
import time

import pytest

from faxgw.cli import main
from faxgw.modem.device import Modem, open_modem
from faxgw.modem.at.errors import ModemUnresponsive
from faxgw.modem.profiles import DRIVERS_DIR, find_profile
from faxgw.t30.link import (
    CarrierLost, DialResult, LineDropped, LinkError, ModemFault, Modulation, WrongCarrier,
)

from hwsim import ModemBank

CALLER, CALLED = "1001", "1002"
PROFILE = find_profile("hwsim-class1", [DRIVERS_DIR])
CSI = bytes([0xFF, 0x03, 0x40]) + b"0021 5551002     "[::-1]
DIS = bytes([0xFF, 0x13, 0x80, 0x00, 0xCE, 0xF4, 0x80])
TSI = bytes([0xFF, 0x03, 0x43]) + b"\x10\x03 1001 \x10\x10  "  # DLE bytes in the FIF
DCS = bytes([0xFF, 0x13, 0x83, 0x00, 0x46, 0x10, 0x00])
CFR = bytes([0xFF, 0x13, 0x21])
IMAGE = (bytes(range(256)) * 40) + b"\x10\x03\x10\x10\x10\x1a" * 50


@pytest.fixture
def bank():
    with ModemBank(timing="accelerated") as bank:
        bank.add_modem(CALLER, name="caller")
        bank.add_modem(CALLED, name="called")
        yield bank


def device(bank, name):
    return next(m.device for m in bank.modems() if m.name == name)


async def answer_when_ringing(modem: Modem, timeout_s: float = 20.0):
    await modem.wait_for_ring(timeout_s)
    link = modem.class1_link()
    await link.answer(timeout_s)
    return link


async def test_probe_matches_the_hwsim_profile(bank):
    async with open_modem(device(bank, "caller")) as modem:
        assert modem.profile.name == "hwsim-class1" and modem.matched_by == "identity"
        assert modem.info.ftm == PROFILE.capabilities.ftm and modem.info.fth == PROFILE.capabilities.fth


async def test_call_frames_both_ways_and_image_with_dle_bytes(bank):
    async with open_modem(device(bank, "caller"), PROFILE) as a, \
            open_modem(device(bank, "called"), PROFILE) as b:
        caller = a.class1_link()

        async def called_side():
            link = await answer_when_ringing(b)
            await link.send_frames([CSI, DIS])  # phase B: the called terminal speaks first
            tsi = await link.receive_frame(10)
            dcs = await link.receive_frame(10)
            image = await link.receive_image(Modulation.V29_9600, 10)
            await link.send_silence(75)
            await link.send_frames([CFR])
            await link.hang_up()
            return tsi, dcs, image

        async def calling_side():
            assert await caller.dial(CALLED, 30) is DialResult.CONNECTED
            csi = await caller.receive_frame(10)
            dis = await caller.receive_frame(10)
            await caller.send_silence(75)
            await caller.send_frames([TSI, DCS])
            await caller.send_silence(75)
            await caller.send_image(Modulation.V29_9600, IMAGE)
            cfr = await caller.receive_frame(10)
            await caller.hang_up()
            return csi, dis, cfr

        (tsi, dcs, image), (csi, dis, cfr) = await asyncio.gather(called_side(), calling_side())
    assert (csi.data, dis.data, cfr.data) == (CSI, DIS, CFR)
    assert (tsi.data, dcs.data) == (TSI, DCS)
    assert all(f.fcs_ok for f in (csi, dis, cfr, tsi, dcs))
    assert not csi.is_final and dis.is_final and dis.fcf == 0x80
    assert IMAGE in image  # the modem may add fill around the data, never change it


async def test_listening_on_the_wrong_modulation_is_wrong_carrier(bank):
    async with open_modem(device(bank, "caller"), PROFILE) as a, \
            open_modem(device(bank, "called"), PROFILE) as b:
        caller = a.class1_link()
        page_sent = asyncio.Event()

        async def called_side():
            link = await answer_when_ringing(b)
            await link.send_frames([DIS])
            with pytest.raises(WrongCarrier):
                await link.receive_image(Modulation.V17_14400, 10)
            # Hang up only after the caller's page (the next test hangs up under it).
            async with asyncio.timeout(20):
                await page_sent.wait()
            await link.hang_up()

        async def calling_side():
            assert await caller.dial(CALLED, 30) is DialResult.CONNECTED
            await caller.receive_frame(10)
            await caller.send_silence(75)
            await caller.send_image(Modulation.V29_9600, IMAGE)
            page_sent.set()
            await caller.hang_up()

        await asyncio.gather(called_side(), calling_side())


async def test_far_end_hanging_up_under_our_page_leaves_our_modem_usable(bank):
    # Regression: we went on writing after NO CARRIER; a DC3 byte of the page, read by the
    # modem in command state as XOFF, paused its output and it looked dead.
    page = random.Random(7).randbytes(40_000)  # 3.5 s at the port rate
    async with open_modem(device(bank, "caller"), PROFILE) as a, \
            open_modem(device(bank, "called"), PROFILE) as b:
        caller = a.class1_link()

        async def called_side():
            link = await answer_when_ringing(b)
            await link.send_frames([DIS])
            with pytest.raises(WrongCarrier):
                await link.receive_image(Modulation.V17_14400, 10)
            await link.hang_up()

        async def calling_side():
            assert await caller.dial(CALLED, 30) is DialResult.CONNECTED
            await caller.receive_frame(10)
            await caller.send_silence(75)
            with pytest.raises((CarrierLost, LineDropped)):
                await caller.send_image(Modulation.V29_9600, page)
            started = time.monotonic()
            await caller.hang_up()
            # ATH0 answered at once: no timeout and recovery ladder was needed.
            assert time.monotonic() - started < PROFILE.timing.command_timeout_s

        await asyncio.gather(called_side(), calling_side())


@pytest.mark.parametrize("fault, result", [
    ({"busy": True}, DialResult.BUSY), ({"no_answer": True}, DialResult.NO_ANSWER),
])
async def test_busy_and_no_answer(bank, fault, result):
    bank.fault_next_call(CALLED, **fault)
    async with open_modem(device(bank, "caller"), PROFILE) as a:
        link = a.class1_link()
        assert await link.dial(CALLED, 60) is result
        await link.hang_up()


async def test_frozen_modem_is_a_fault_and_the_port_recovers_afterwards(bank):
    async with open_modem(device(bank, "caller"), PROFILE) as a:
        link = a.class1_link()
        bank.freeze("caller")
        started = time.monotonic()
        with pytest.raises(ModemFault):
            await link.send_silence(75)
        assert time.monotonic() - started < PROFILE.timing.command_timeout_s * 3
        with pytest.raises(ModemUnresponsive):
            await a.channel.recover()
        bank.freeze("caller", False)
        await a.channel.recover()
        bank.fault_next_call(CALLED, busy=True)
        assert await link.dial(CALLED, 30) is DialResult.BUSY  # the port works again
        await link.hang_up()


async def test_modem_disappearing_mid_call(bank):
    async with open_modem(device(bank, "caller"), PROFILE) as a, \
            open_modem(device(bank, "called"), PROFILE) as b:
        caller = a.class1_link()

        async def called_side():
            link = await answer_when_ringing(b)
            await link.send_frames([DIS])
            with pytest.raises((CarrierLost, LineDropped, LinkError)):
                await link.receive_frame(10)
            await link.hang_up()

        async def calling_side():
            assert await caller.dial(CALLED, 30) is DialResult.CONNECTED
            await caller.receive_frame(10)
            bank.vanish("caller")
            with pytest.raises(ModemFault):
                await caller.send_frames([TSI, DCS])
            await caller.hang_up()  # a dead port: no exception

        await asyncio.gather(called_side(), calling_side())


async def test_line_dropped_while_sending_a_page(bank):
    async with open_modem(device(bank, "caller"), PROFILE) as a, \
            open_modem(device(bank, "called"), PROFILE) as b:
        caller = a.class1_link()

        async def called_side():
            link = await answer_when_ringing(b)
            await link.send_frames([DIS])
            # Carrier loss ends receive data with <DLE><ETX> and NO CARRIER, as any carrier
            # end does: the cut shows as a short page (the receiver's view: next test).
            try:
                data = await link.receive_image(Modulation.V27TER_2400, 10)
            except LinkError:
                data = b""
            assert len(data) < len(IMAGE * 4)
            await link.hang_up()

        async def calling_side():
            assert await caller.dial(CALLED, 30) is DialResult.CONNECTED
            await caller.receive_frame(10)
            await caller.send_silence(75)
            sending = asyncio.create_task(caller.send_image(Modulation.V27TER_2400, IMAGE * 4))
            await asyncio.sleep(0.3)
            assert bank.drop_call(CALLER)
            with pytest.raises((CarrierLost, LineDropped)):
                await sending
            await caller.hang_up()
            await a.channel.command("AT")  # the modem is in command state and answers

        await asyncio.gather(called_side(), calling_side())


async def test_line_dropped_while_receiving_a_page(bank):
    async with open_modem(device(bank, "caller"), PROFILE) as a, \
            open_modem(device(bank, "called"), PROFILE) as b:
        caller = a.class1_link()
        receiving = asyncio.Event()

        async def called_side():
            link = await answer_when_ringing(b)
            await link.send_frames([DIS])
            receiving.set()
            # T.31 8.3.4: carrier loss ends the data with <DLE><ETX>, then NO CARRIER; the
            # link returns what came (the engine sees a page without RTC), promptly.
            started = time.monotonic()
            data = await link.receive_image(Modulation.V27TER_2400, 10)
            assert len(data) < len(IMAGE * 4)
            assert time.monotonic() - started < PROFILE.timing.data_idle_timeout_s
            await link.hang_up()

        async def calling_side():
            assert await caller.dial(CALLED, 30) is DialResult.CONNECTED
            await caller.receive_frame(10)
            await caller.send_silence(75)
            sending = asyncio.create_task(caller.send_image(Modulation.V27TER_2400, IMAGE * 4))
            await receiving.wait()
            await asyncio.sleep(0.3)
            bank.drop_call(CALLER)
            with pytest.raises(LinkError):
                await sending
            await caller.hang_up()

        await asyncio.gather(called_side(), calling_side())


async def test_sender_hanging_up_right_after_its_page(bank):
    async with open_modem(device(bank, "caller"), PROFILE) as a, \
            open_modem(device(bank, "called"), PROFILE) as b:
        caller = a.class1_link()

        async def called_side():
            link = await answer_when_ringing(b)
            await link.send_frames([DIS])
            data = await link.receive_image(Modulation.V29_9600, 10)
            await link.hang_up()
            return data

        async def calling_side():
            assert await caller.dial(CALLED, 30) is DialResult.CONNECTED
            await caller.receive_frame(10)
            await caller.send_silence(75)
            await caller.send_image(Modulation.V29_9600, IMAGE)
            await caller.hang_up()  # at once, as a crashing sender would

        data, _ = await asyncio.gather(called_side(), calling_side())
    assert IMAGE in data


async def test_cli_probe_of_a_hwsim_modem(bank, capsys):
    status = await asyncio.to_thread(main, ["modem", "probe", "--device", device(bank, "caller")])
    report = json.loads(capsys.readouterr().out)
    assert status == 0 and report["profile"]["name"] == "hwsim-class1"
    assert report["modem"]["manufacturer"] == "faxgw hw-sim"
    assert report["class1_modulations"]["receive"][-1] == "V17_14400_SHORT"


async def test_garbled_results_are_a_modem_fault_never_a_wrong_answer(bank):
    bank.garble_results("caller", 1.0)
    with pytest.raises(ModemFault):
        async with open_modem(device(bank, "caller"), PROFILE):
            pass
    bank.garble_results("caller", 0.0)
    async with open_modem(device(bank, "caller"), PROFILE) as a:
        link = a.class1_link()
        bank.fault_next_call(CALLED, busy=True)
        assert await link.dial(CALLED, 30) is DialResult.BUSY


@pytest.mark.realtime
def test_frames_and_page_in_real_time():
    with ModemBank(timing="realtime") as bank:
        bank.add_modem(CALLER, name="caller")
        bank.add_modem(CALLED, name="called")
        asyncio.run(_exchange(bank))


async def _exchange(bank):
    async with open_modem(device(bank, "caller"), PROFILE) as a, \
            open_modem(device(bank, "called"), PROFILE) as b:
        caller = a.class1_link()

        page_received = asyncio.Event()

        async def called_side():
            link = await answer_when_ringing(b, 30)
            await link.send_frames([CSI, DIS])
            dcs = await link.receive_frame(10)
            image = await link.receive_image(Modulation.V17_14400, 10)
            page_received.set()
            await link.hang_up()
            return dcs, image

        async def calling_side():
            assert await caller.dial(CALLED, 60) is DialResult.CONNECTED
            frames = [await caller.receive_frame(10), await caller.receive_frame(10)]
            await caller.send_silence(75)
            await caller.send_frames([DCS])
            await caller.send_silence(75)
            started = time.monotonic()
            await caller.send_image(Modulation.V17_14400, IMAGE)
            elapsed = time.monotonic() - started
            async with asyncio.timeout(10):
                await page_received.wait()  # as T.30 would: no hang-up under the receiver
            await caller.hang_up()
            return frames, elapsed

        (dcs, image), (frames, elapsed) = await asyncio.gather(called_side(), calling_side())
    assert [f.data for f in frames] == [CSI, DIS] and dcs.data == DCS and IMAGE in image
    # Paced by the modem's XON/XOFF at the line rate: no faster than the data's line time.
    assert elapsed >= len(IMAGE) * 8 / 14400


async def test_large_page_is_flow_controlled_without_overrun(bank):
    # Regression: a pty takes data at any speed; without pacing, and with credit built up
    # during an XOFF, we flooded hw-sim's 16 KiB transmit buffer and it dropped data.
    page = random.Random(6).randbytes(40_000)  # 3.5 s at the port rate
    async with open_modem(device(bank, "caller"), PROFILE) as a, \
            open_modem(device(bank, "called"), PROFILE) as b:
        caller = a.class1_link()
        page_received = asyncio.Event()

        async def called_side():
            link = await answer_when_ringing(b)
            await link.send_frames([DIS])
            data = await link.receive_image(Modulation.V29_9600, 10)
            page_received.set()
            await link.hang_up()
            return data

        async def calling_side():
            assert await caller.dial(CALLED, 30) is DialResult.CONNECTED
            await caller.receive_frame(10)
            await caller.send_silence(75)
            await caller.send_image(Modulation.V29_9600, page)
            async with asyncio.timeout(10):
                await page_received.wait()
            await caller.hang_up()

        received, _ = await asyncio.gather(called_side(), calling_side())
    record = await bank.wait_for_call_async(CALLED, 10)
    assert not [note for note in record.get("notes", []) if "overrun" in note]
    assert page in received
