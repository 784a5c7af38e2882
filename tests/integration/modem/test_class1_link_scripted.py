"""The Class 1 link against a scripted T.31 modem on a real pseudo-terminal."""

import asyncio
import dataclasses
import time
from collections import deque

import pytest

from faxgw.modem.at.channel import AtChannel
from faxgw.modem.class1.link import AtClass1Link
from faxgw.modem.at.errors import ModemGone, ModemUnresponsive
from faxgw.modem.profiles import DRIVERS_DIR, find_profile
from faxgw.modem.quirks import Quirks
from faxgw.t30.link import (
    CarrierLost, DialResult, LinkTimeout, ModemFault, Modulation, WrongCarrier,
)
from tests.integration.modem.class1_script import DLE, ETX, Script, fcs16, frame_on_wire, run

GENERIC = find_profile("generic-class1", [DRIVERS_DIR])
FAST_TIMING = dataclasses.replace(GENERIC.timing, command_timeout_s=0.5, reset_timeout_s=0.5,
                                  connect_timeout_s=1.0, frame_timeout_s=1.0,
                                  data_idle_timeout_s=0.5, tx_final_margin_s=1.0,
                                  stall_timeout_s=1.0, escape_guard_s=0.05, resync_quiet_s=0.1)
PROFILE = dataclasses.replace(GENERIC, timing=FAST_TIMING)
DIS = bytes([0xFF, 0x13, 0x80, 0x00, 0xCE, 0xF4])
TSI = bytes([0xFF, 0x03, 0x43]) + b"  4321 \x10\x03 555"  # DLE ETX inside a frame
DCS = bytes([0xFF, 0x13, 0x83, 0x00, 0x46, 0x10])


def link_for(channel, profile=PROFILE):
    return AtClass1Link(channel, profile)


@pytest.fixture
async def channel(pty_modem):
    ch = await AtChannel.open(pty_modem.path, PROFILE.channel_settings())
    yield ch
    await ch.close()


async def test_dial_then_frame_without_frh_then_next_frame_with_frh(pty_modem, channel):
    script = run(pty_modem, Script(after_dial=[frame_on_wire(DIS) + DLE + ETX + b"\r\nOK\r\n"],
                                   incoming_frames=deque([(frame_on_wire(DIS), "ERROR")])))
    link = link_for(channel)
    assert await link.dial("5551234", timeout_s=2) is DialResult.CONNECTED
    first = await link.receive_frame(2.0)
    assert first.data == DIS and first.fcs_ok and first.fcf == 0x80 and first.is_final
    second = await link.receive_frame(2.0)
    assert second.data == DIS and not second.fcs_ok  # ERROR after the frame: bad FCS
    assert pty_modem.commands == ["AT+FCLASS=1", "ATDT5551234", "AT+FRH=3"]
    assert script.sent_frames == []


@pytest.mark.parametrize("answer, result", [
    ("BUSY", DialResult.BUSY), ("NO ANSWER", DialResult.NO_ANSWER),
    ("NO DIALTONE", DialResult.NO_DIALTONE), ("NO CARRIER", DialResult.NO_CARRIER),
    ("ERROR", DialResult.ERROR),
])
async def test_dial_outcomes(pty_modem, channel, answer, result):
    run(pty_modem, Script(dial_result=answer))
    assert await link_for(channel).dial("123", timeout_s=2) is result


async def test_dial_timeout_aborts_and_reports_no_answer(pty_modem, channel):
    run(pty_modem, Script(dial_result="WAIT"))
    started = time.monotonic()
    assert await link_for(channel).dial("123", timeout_s=0.3) is DialResult.NO_ANSWER
    assert time.monotonic() - started < 1.5
    assert (await channel.command("AT")).info == ()  # channel in sync afterwards


async def test_dial_refuses_injection():
    with pytest.raises(ValueError):
        await AtClass1Link(None, PROFILE).dial("123;ATZ", 1)


async def test_send_frames_one_carrier_connect_between_ok_after_final(pty_modem, channel):
    script = run(pty_modem, Script())
    link = link_for(channel)
    await link.send_frames([TSI, DCS])
    assert script.sent_frames == [TSI, DCS]
    assert pty_modem.commands == ["AT+FTH=3"]


async def test_answer_then_frames_without_fth(pty_modem, channel):
    script = run(pty_modem, Script())
    link = link_for(channel)
    await link.answer(timeout_s=2)
    await link.send_frames([DIS])
    assert script.sent_frames == [DIS]
    assert pty_modem.commands == ["AT+FCLASS=1", "ATA"]


async def test_frame_with_dle_from_undoubling_modem_needs_the_quirk(pty_modem, channel):
    frame = bytes([0xFF, 0x13, 0x80, 0x10, 0x10, 0x41])
    assert b"\x10\x03" not in frame + fcs16(frame)
    wire = frame_on_wire(frame, doubled=False)
    run(pty_modem, Script(incoming_frames=deque([(wire, "OK"), (wire, "OK")])))
    quirky = dataclasses.replace(PROFILE, quirks=Quirks(hdlc_dle_undoubled=True))
    assert (await link_for(channel, quirky).receive_frame(2.0)).data == frame
    assert (await link_for(channel).receive_frame(2.0)).data != frame  # without it: wrong


async def test_noise_frame_after_dial_is_skipped(pty_modem, channel):
    run(pty_modem, Script(after_dial=[DLE + ETX + b"\r\nERROR\r\n"],
                          incoming_frames=deque([(frame_on_wire(DIS), "OK")])))
    link = link_for(channel)
    assert await link.dial("1", timeout_s=2) is DialResult.CONNECTED
    assert (await link.receive_frame(2.0)).data == DIS


async def test_receive_frame_timeout_aborts_and_leaves_channel_usable(pty_modem, channel):
    run(pty_modem, Script())
    started = time.monotonic()
    with pytest.raises(LinkTimeout):
        await link_for(channel).receive_frame(0.3)
    assert time.monotonic() - started < 1.5
    assert pty_modem.commands[-1] == "AT+FRH=3"
    await channel.command("AT")


@pytest.mark.parametrize("answer, error", [
    ("NO CARRIER", CarrierLost), ("+FCERROR", WrongCarrier), ("ERROR", ModemFault),
])
async def test_receive_frame_refusals(pty_modem, channel, answer, error):
    run(pty_modem, Script(frh_result=answer))
    with pytest.raises(error):
        await link_for(channel).receive_frame(1.0)


@pytest.mark.parametrize("fcerror_as_error, error", [(True, WrongCarrier), (False, ModemFault)])
async def test_error_means_wrong_carrier_only_with_the_quirk(pty_modem, channel, fcerror_as_error, error):
    run(pty_modem, Script(frm_result="ERROR"))
    profile = dataclasses.replace(PROFILE, quirks=Quirks(fcerror_as_error=fcerror_as_error))
    with pytest.raises(error):
        await link_for(channel, profile).receive_image(Modulation.V29_9600, 1.0)


async def test_fcerror_on_frm_is_wrong_carrier(pty_modem, channel):
    run(pty_modem, Script(frm_result="+FCERROR"))
    with pytest.raises(WrongCarrier):
        await link_for(channel).receive_image(Modulation.V17_14400, 1.0)


async def test_image_with_dle_bytes_both_ways(pty_modem, channel):
    image = bytes(range(256)) * 8 + b"\x10\x03\x10\x10\x1a"
    script = run(pty_modem, Script(image=image))
    link = link_for(channel)
    await link.send_image(Modulation.V29_9600, image)
    assert script.sent_images == [image]
    assert await link.receive_image(Modulation.V29_9600, 2.0) == image
    assert pty_modem.commands == ["AT+FTM=96", "AT+FRM=96"]


async def test_silences_in_ten_ms_units(pty_modem, channel):
    run(pty_modem, Script())
    link = link_for(channel)
    await link.send_silence(75)
    await link.wait_silence(200)
    assert pty_modem.commands == ["AT+FTS=8", "AT+FRS=20"]


async def test_silent_modem_mid_call_is_modem_fault_and_recovers_later(pty_modem, channel):
    script = run(pty_modem, Script())
    link = link_for(channel)
    script.silent = True
    with pytest.raises(ModemFault):
        await link.send_image(Modulation.V29_9600, b"\x00" * 100)
    with pytest.raises(ModemUnresponsive):
        await link.hang_up()
    script.silent = False
    await channel.recover()
    await link.send_silence(75)


async def test_port_vanishing_mid_receive_is_modem_fault_and_hang_up_is_quiet(pty_modem, channel):
    async def handler(m, command):
        m.reply("CONNECT")
        m.send(b"\x00\x01\x02")
        await asyncio.sleep(0.1)
        await m.close()

    pty_modem.run(handler)
    link = link_for(channel)
    with pytest.raises(ModemFault) as caught:
        await link.receive_image(Modulation.V27TER_4800, 2.0)
    assert isinstance(caught.value.__cause__, ModemGone) or isinstance(caught.value, ModemGone)
    await link.hang_up()  # a dead line: no exception


async def test_cancelled_send_leaves_data_state_cleanly_on_hang_up(pty_modem, channel):
    received = {}

    async def handler(m, command):
        if command.startswith("AT+FTM"):
            m.reply("CONNECT")
            m.send(b"\x13")  # XOFF and never XON: the send blocks
            return
        received.setdefault("after", []).append(command)
        m.reply("OK")

    pty_modem.run(handler)
    link = link_for(channel)
    task = asyncio.create_task(link.send_image(Modulation.V29_9600, b"\x00" * 5000))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await link.hang_up()
    # The modem saw <DLE><ETX> (end of our data) before the ATH0.
    assert received["after"][-1] == "ATH0"
    assert any("\x10\x03" in command for command in received["after"][:-1])


async def test_hang_up_is_shielded_from_cancellation(pty_modem, channel):
    async def handler(m, command):
        await asyncio.sleep(0.2)
        m.reply("OK")

    pty_modem.run(handler)
    link = link_for(channel)
    started = time.monotonic()
    task = asyncio.create_task(link.hang_up())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The cancel propagated only after the modem's OK to ATH0 (0.2 s) was read.
    assert time.monotonic() - started >= 0.2
    assert pty_modem.commands == ["ATH0"]
    assert not channel._desynced


@pytest.mark.parametrize("abort_answer, error", [
    (DLE + ETX + b"\r\nOK\r\n", CarrierLost),   # data ended, then the result
    (b"\r\nOK\r\n", CarrierLost),              # a DCE that just answers OK
    (None, ModemFault),                          # no answer at all
])
async def test_image_data_going_quiet_is_aborted(pty_modem, channel, abort_answer, error):
    async def handler(m, command):
        if command.startswith("AT+FRM"):
            m.reply("CONNECT")
            m.send(b"\x00\x01\x10\x10")
            await m.read_until(b"\x18", 5)  # quiet until the DTE aborts
            if abort_answer:
                m.send(abort_answer)
        else:
            m.reply("OK")

    pty_modem.run(handler)
    with pytest.raises(error):
        await link_for(channel).receive_image(Modulation.V27TER_4800, 2.0)
    assert (await channel.command("AT")).kind.value == "OK"


async def test_send_stops_when_the_modem_reports_carrier_loss(pty_modem):
    got = {}
    done = asyncio.Event()

    async def handler(m, command):
        if command.startswith("AT+FTM"):
            m.reply("CONNECT")
            await m.wait_more()
            m.reply("NO CARRIER")  # the line dropped: the modem is in command state again
            await asyncio.sleep(1.5)  # at ~1 KB/s a sender that goes on writes ~1.4 KB
            got["after"] = bytes(m.inbox)
            m.inbox.clear()
            done.set()
        else:
            m.reply("OK")

    pty_modem.run(handler)
    slow = dataclasses.replace(PROFILE, baudrate=9600)  # ~1 KB/s: most data still unsent
    channel = await AtChannel.open(pty_modem.path, slow.channel_settings())
    try:
        with pytest.raises(CarrierLost):
            await link_for(channel, slow).send_image(Modulation.V29_9600, b"\x55" * 2000)
        async with asyncio.timeout(3):
            await done.wait()
        # We stopped writing within a chunk or two (then only <DLE><ETX>, to end the data
        # of a DCE that still waits for it).
        assert len(got["after"]) <= 2 * slow.tx_chunk_bytes + 2 and got["after"].endswith(b"\x10\x03\x11")
        assert (await channel.command("AT")).kind.value == "OK"
    finally:
        await channel.close()
