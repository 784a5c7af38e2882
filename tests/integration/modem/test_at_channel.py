"""The AT channel against a scripted modem on a real pseudo-terminal."""

import asyncio
import time

import pytest

from faxgw.modem.at.channel import AtChannel, ChannelSettings
from faxgw.modem.at.dle import DLE_ETX, stuff
from faxgw.modem.at.errors import ATError, ATTimeout, ModemGone, ModemUnresponsive
from faxgw.modem.at.results import Kind
from faxgw.modem.at.states import ANY_FINAL, Mode
from faxgw.t30.link import ModemFault

FAST = ChannelSettings(command_timeout_s=0.5, reset_timeout_s=0.5, escape_guard_s=0.05,
                       stall_timeout_s=0.5, tx_chunk_bytes=16)


@pytest.fixture
async def channel(pty_modem):
    ch = await AtChannel.open(pty_modem.path, FAST)
    yield ch
    await ch.close()


async def test_command_skips_echo_and_collects_information(pty_modem, channel):
    async def modem(m, command):
        m.send(command + "\r")  # echo on, as after ATZ
        if command == "AT+FCLASS=?":
            m.reply("0,1,1.0", "OK")
        else:
            m.reply("OK")

    pty_modem.run(modem)
    reply = await channel.command("AT+FCLASS=?")
    assert reply.kind is Kind.OK and reply.info == ("0,1,1.0",)


async def test_error_names_command_and_response(pty_modem, channel):
    async def modem(m, command):
        m.reply("ERROR")

    pty_modem.run(modem)
    with pytest.raises(ATError) as caught:
        await channel.command("AT+FTM=999")
    assert caught.value.command == "AT+FTM=999" and caught.value.response == "ERROR"


async def test_silent_modem_times_out_and_channel_stays_usable(pty_modem, channel):
    async def modem(m, command):
        if command != "AT+HANG":
            m.reply("OK")

    pty_modem.run(modem)
    started = time.monotonic()
    with pytest.raises(ATTimeout):
        await channel.command("AT+HANG", timeout_s=0.3)
    assert 0.25 < time.monotonic() - started < 1.0
    assert (await channel.command("AT")).kind is Kind.OK


async def test_garbled_final_is_not_taken_for_ok(pty_modem, channel):
    async def modem(m, command):
        m.reply("OKK", "ERR0R")

    pty_modem.run(modem)
    with pytest.raises(ATTimeout) as caught:
        await channel.command("ATI", timeout_s=0.3)
    assert caught.value.partial == ("OKK", "ERR0R")


async def test_late_answer_of_timed_out_command_is_not_taken_by_the_next(pty_modem, channel):
    async def modem(m, command):
        if command == "AT+SLOW":
            await asyncio.sleep(0.4)
            m.reply("SLOW-ANSWER", "OK")
        else:
            m.reply("+NEXT: 1", "OK")

    pty_modem.run(modem)
    with pytest.raises(ATTimeout):
        await channel.command("AT+SLOW", timeout_s=0.2)
    await asyncio.sleep(0.1)
    reply = await channel.command("AT+NEXT")
    assert reply.info == ("+NEXT: 1",)


async def test_answer_arriving_before_the_writer_awaits_is_kept(pty_modem, channel):
    # The modem answers in the same pty write as the echo, before we can await: the
    # channel is busy before the write, so the OK is the command's, not a stray line.
    stray = []
    channel.add_listener(stray.append)

    async def modem(m, command):
        m.send(command + "\r\r\nOK\r\n")

    pty_modem.run(modem)
    for _ in range(20):
        assert (await channel.command("AT")).kind is Kind.OK
    assert stray == []


async def test_ring_goes_to_listeners_idle_and_during_a_command(pty_modem, channel):
    heard = []
    channel.add_listener(heard.append)

    async def modem(m, command):
        m.reply("RING", "NMBR = 5551234", "OK")

    pty_modem.run(modem)
    assert (await channel.command("AT")).info == ()
    pty_modem.reply("RING")
    ring = await channel.wait_for(Kind.RING, timeout_s=1.0)
    assert ring.text == "RING"
    assert [r.kind for r in heard] == [Kind.RING, Kind.CALLER_ID, Kind.RING]


async def test_pty_closed_mid_command_raises_modem_gone_at_once(pty_modem, channel):
    async def modem(m, command):
        await asyncio.sleep(0.1)
        await m.close()

    pty_modem.run(modem)
    started = time.monotonic()
    with pytest.raises(ModemGone) as caught:
        await channel.command("AT", timeout_s=5.0)
    assert isinstance(caught.value, ModemFault)
    assert time.monotonic() - started < 2.0
    with pytest.raises(ModemGone):
        await channel.command("AT")


async def test_port_vanishing_while_idle_sets_lost(pty_modem, channel):
    assert not channel.lost.is_set()
    await pty_modem.close()
    async with asyncio.timeout(2):
        await channel.lost.wait()
    assert not channel.is_open


async def test_waiting_for_ring_ends_when_the_port_vanishes(pty_modem, channel):
    async def pull_the_plug():
        await asyncio.sleep(0.1)
        await pty_modem.close()

    plug = asyncio.create_task(pull_the_plug())
    started = time.monotonic()
    with pytest.raises(ModemGone):
        await channel.wait_for(Kind.RING, timeout_s=5)
    assert time.monotonic() - started < 1.0
    await plug


async def test_open_missing_port_is_modem_gone():
    with pytest.raises(ModemGone, match="cannot open"):
        await AtChannel.open("/dev/does-not-exist-faxgw", FAST)


async def test_cancelled_command_propagates_cancel_and_frees_the_channel(pty_modem, channel):
    async def modem(m, command):
        if command == "AT":
            m.reply("OK")

    pty_modem.run(modem)
    task = asyncio.create_task(channel.command("AT+WAIT", timeout_s=5.0))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await channel.command("AT")).kind is Kind.OK


async def test_answer_of_cancelled_command_is_not_taken_by_the_next(pty_modem, channel):
    async def modem(m, command):
        if command == "AT+WAIT":
            await asyncio.sleep(0.3)
            m.reply("LATE", "OK")
        else:
            m.reply("+NEXT: 1", "OK")

    pty_modem.run(modem)
    task = asyncio.create_task(channel.command("AT+WAIT", timeout_s=5.0))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await channel.command("AT+NEXT")).info == ("+NEXT: 1",)


async def test_transmit_data_waits_while_modem_says_xoff(pty_modem, channel):
    payload = bytes(range(256)) * 4

    async def modem(m, command):
        m.reply("CONNECT")
        m.send(b"\x13")  # XOFF: buffer full
        await asyncio.sleep(0.3)
        assert len(m.inbox) <= FAST.tx_chunk_bytes  # at most the chunk already on its way
        m.send(b"\x11")  # XON
        data = await m.read_until(DLE_ETX)
        m.received = data
        m.reply("OK")

    pty_modem.run(modem)
    async with channel.transaction() as tx:
        await tx.command("AT+FTM=96", accept={Kind.CONNECT}, data_mode=Mode.DATA_TX)
        await asyncio.sleep(0.05)  # let the XOFF arrive before the first chunk
        await tx.write_data(stuff(payload) + DLE_ETX)
        tx.end_data()
        reply = await tx.read_final("AT+FTM=96", timeout_s=2.0)
    assert reply.kind is Kind.OK
    assert pty_modem.received == stuff(payload) + DLE_ETX


async def test_xoff_held_forever_times_out(pty_modem, channel):
    async def modem(m, command):
        m.reply("CONNECT")
        m.send(b"\x13")

    pty_modem.run(modem)
    async with channel.transaction() as tx:
        await tx.command("AT+FTM=96", accept={Kind.CONNECT}, data_mode=Mode.DATA_TX)
        await asyncio.sleep(0.05)
        with pytest.raises(ATTimeout):
            await tx.write_data(b"x" * 100)


async def test_receive_data_unstuffs_byte_by_byte(pty_modem, channel):
    wire = b"\r\nCONNECT\r\n" + b"\xff\x10\x10\x03\x10\x1a\x10\x51\x80" + DLE_ETX + b"\r\nOK\r\n"

    async def modem(m, command):
        for byte in wire:  # a pty delivering one byte per read
            m.send(bytes([byte]))
            await asyncio.sleep(0.002)

    pty_modem.run(modem)
    async with channel.transaction() as tx:
        await tx.command("AT+FRH=3", accept=ANY_FINAL, data_mode=Mode.DATA_RX)
        data = await tx.read_data(1.0)
        final = await tx.read_final("AT+FRH=3", accept=ANY_FINAL)
    assert data == b"\xff\x10\x03\x10\x10\x11\x80"
    assert final.kind is Kind.OK


async def test_data_starting_with_lf_after_connect_cr_split(pty_modem, channel):
    # CONNECT's CR and LF arrive in different reads; the LF must not become data.
    async def modem(m, command):
        m.send(b"\r\nCONNECT\r")
        await asyncio.sleep(0.05)
        m.send(b"\n\x0a\x01" + DLE_ETX + b"\r\nOK\r\n")

    pty_modem.run(modem)
    async with channel.transaction() as tx:
        await tx.command("AT+FRM=96", accept=ANY_FINAL, data_mode=Mode.DATA_RX)
        data = await tx.read_data(1.0)
    assert data == b"\x0a\x01"


async def test_recover_escapes_a_modem_stuck_in_data_state(pty_modem, channel):
    state = {"online": True}

    async def modem(m, command):
        if state["online"]:
            return  # in online data state the modem ignores AT commands
        m.reply("OK")

    async def watch_escape():
        await pty_modem.read_until(b"+++", 5.0)
        state["online"] = False
        pty_modem.reply("OK")

    pty_modem.run(modem)
    escape = asyncio.create_task(watch_escape())
    await channel.recover()
    await escape
    assert pty_modem.commands[-5:] == ["ATH0", "ATZ", "ATE0", "ATV1", "ATQ0"]
    assert set(pty_modem.commands[:-5]) == {"AT"}  # probes before and after the escape


async def test_dead_modem_is_unresponsive_then_recovers_when_it_comes_back(pty_modem, channel):
    pty_modem.silent = True
    pty_modem.run(lambda m, c: _ok(m))
    with pytest.raises(ModemUnresponsive):
        await channel.recover()
    pty_modem.silent = False
    await channel.recover()
    assert (await channel.command("AT")).kind is Kind.OK


async def _ok(m):
    m.reply("OK")


async def test_reset_accepts_numeric_results_before_atv1(pty_modem, channel):
    async def modem(m, command):
        m.send("0\r")  # ATV0 modem: numeric codes until ATV1

    pty_modem.run(modem)
    await channel.reset()
    assert pty_modem.commands == ["ATZ", "ATE0", "ATV1", "ATQ0"]
