"""What the holder of an AT channel transaction may do: commands, data, resync, recovery.

It takes from the channel's receive buffer and switches its state through the channel's
public methods; that is safe because only one transaction runs at a time (the lock).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from faxgw.modem.at import dle, recovery
from faxgw.modem.at.errors import ATError, ATTimeout
from faxgw.modem.at.results import Kind, Result, classify
from faxgw.modem.at.states import ONLY_OK, Mode

if TYPE_CHECKING:
    from faxgw.modem.at.channel import AtChannel


@dataclass(frozen=True)
class Reply:
    command: str
    result: Result
    info: tuple[str, ...] = field(default=())

    @property
    def kind(self) -> Kind:
        return self.result.kind


class Transaction:
    """What the holder of the channel may do; only valid inside ``channel.transaction()``."""

    def __init__(self, channel: AtChannel) -> None:
        self._ch = channel

    @property
    def channel(self) -> AtChannel:
        return self._ch

    def _deadline(self, timeout_s: float) -> float:
        return asyncio.get_running_loop().time() + timeout_s

    async def command(self, command: str, *, timeout_s: float | None = None,
                      accept: Collection[Kind] = ONLY_OK, numeric: bool = False,
                      data_mode: Mode | None = None) -> Reply:
        """Write ``command`` and return its reply if the final result is in ``accept``.

        ``data_mode``: the state to enter if the result is CONNECT (transmit or receive).
        """
        if self._ch.desynced:
            await self.resync()
        self._discard_stale()
        self._ch.write(command.encode("latin-1") + b"\r", "at>", command)
        return await self.read_final(command, timeout_s=timeout_s, accept=accept,
                                     numeric=numeric, data_mode=data_mode)

    async def read_final(self, label: str, *, timeout_s: float | None = None,
                         accept: Collection[Kind] = ONLY_OK, numeric: bool = False,
                         data_mode: Mode | None = None) -> Reply:
        """Read lines up to a final result (without writing anything first)."""
        timeout_s = self._ch.settings.command_timeout_s if timeout_s is None else timeout_s
        deadline = self._deadline(timeout_s)
        info: list[str] = []
        try:
            while True:
                text = await self._ch.next_line(deadline)
                result = classify(text, numeric=numeric)
                if text.upper() == label.upper():
                    self._ch.note("echo", text)
                elif result.unsolicited:
                    self._ch.notify(result)
                elif not result.final:
                    self._ch.note("at<", text)
                    info.append(text)
                else:
                    self._ch.note("at<", text)
                    return self._finish(label, result, tuple(info), accept, data_mode)
        except TimeoutError:
            self._ch.desynced = True
            raise ATTimeout(label, timeout_s, tuple(info)) from None
        except asyncio.CancelledError:
            self._ch.desynced = True  # the answer may still come: resync before the next
            raise

    async def resync(self) -> None:
        """After a timeout the answer may still come and would be taken for the next
        command's. Send ``AT`` and read until an OK is followed by a quiet spell: then
        every late answer has been consumed. ATTimeout if no OK comes."""
        ch = self._ch
        ch.desynced = True
        self._discard_stale()
        ch.write(b"AT\r", "at>", "AT (resync after timeout)")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ch.settings.command_timeout_s
        got_ok = False
        while True:
            quiet_until = loop.time() + ch.settings.resync_quiet_s
            try:
                text = await ch.next_line(quiet_until if got_ok else min(quiet_until, deadline))
            except TimeoutError:
                if got_ok:
                    ch.desynced = False
                    return
                if loop.time() >= deadline:
                    raise ATTimeout("AT (resync)", ch.settings.command_timeout_s) from None
                continue
            ch.note("stale", text)
            got_ok = got_ok or classify(text, numeric=True).kind is Kind.OK

    def _finish(self, label: str, result: Result, info: tuple[str, ...],
                accept: Collection[Kind], data_mode: Mode | None) -> Reply:
        if result.kind not in accept:
            raise ATError(label, result.text, info)
        if result.kind is Kind.CONNECT and data_mode is not None:
            self._ch.set_mode(data_mode)
        return Reply(label, result, info)

    def _discard_stale(self) -> None:
        """Before a command: lines still buffered belong to nobody (a late answer to a
        command that timed out). Route RING to listeners, note the rest, drop it."""
        ch = self._ch
        while True:
            complete, text = ch.received.take_raw_line()
            if not complete:
                ch.received.clear()
                return
            result = classify(text)
            if result.unsolicited:
                ch.notify(result)
            elif text:
                ch.note("stale", text)

    def mark_synced(self) -> None:
        """The answer of a timed-out command has been read after all: no resync needed."""
        self._ch.desynced = False

    def write_raw(self, data: bytes, note: str) -> None:
        self._ch.write(data, "raw>", note)

    async def write_data(self, payload: bytes) -> bool:
        """Send bytes in transmit data state, pausing while the modem says XOFF. Returns
        False if the modem left data state (a result code came) before all was sent.

        ``payload`` is sent as given: the caller stuffs it and appends <DLE><ETX>.
        Chunks leave no faster than the port's character rate (baudrate / 10): a UART
        imposes that on a real port, and on a pty, which has no rate, it gives the modem's
        XOFF time to arrive before we have flooded its buffer (T.31 +FLO flow control).
        """
        ch, settings = self._ch, self._ch.settings
        ch.note("data>", f"{len(payload)} bytes")
        step = max(1, settings.tx_chunk_bytes)
        pace = _Pacer(settings.baudrate / 10)
        try:
            for start in range(0, len(payload), step):
                async with asyncio.timeout(settings.stall_timeout_s):
                    await ch.wait_xon()
                    await pace.wait()
                if self._modem_left_data_state():
                    self._end_data_the_modem_ended(start)
                    return False
                async with asyncio.timeout(settings.stall_timeout_s):
                    await self._write_chunk(payload[start:start + step])
                pace.sent(step)
        except TimeoutError:
            raise ATTimeout("data (modem held XOFF or stopped reading)", settings.stall_timeout_s) from None
        return True

    def _end_data_the_modem_ended(self, sent: int) -> None:
        """The modem left data state under us. Still send <DLE><ETX>: a DCE that waits
        for it needs it, one in command state ignores characters before "AT" (V.250
        5.2.1). Then XON: our data may have held DC3 (XOFF) bytes that a DCE in command
        state took as flow control, pausing everything it would answer."""
        self._ch.write(dle.DLE_ETX + bytes((dle.DC1,)), "raw>",
                        f"<DLE><ETX> XON (modem ended data after {sent} bytes)")

    def _modem_left_data_state(self) -> bool:
        """Has the modem sent a final result (NO CARRIER, ERROR) while we transmit? Then
        it is in command state, and more data would be read as commands: stop."""
        return self._ch.received.holds_final_result()

    async def _write_chunk(self, chunk: bytes) -> None:
        await self._ch.write_drained(chunk)

    def end_data(self) -> None:
        """Back to command state after the data (we sent <DLE><ETX>, or it came)."""
        self._ch.set_mode(Mode.COMMAND)

    async def read_data(self, idle_timeout_s: float, *, doubled: bool = True) -> bytes:
        """Receive data state: unstuff DLE until <DLE><ETX>; ATTimeout if the modem goes
        quiet for ``idle_timeout_s``. Returns in command state."""
        out = bytearray()
        async for data in self.data_chunks(idle_timeout_s, doubled=doubled):
            out += data
        return bytes(out)

    async def data_chunks(self, idle_timeout_s: float, *,
                          doubled: bool = True) -> AsyncIterator[bytes]:
        """Receive data state, piece by piece as it arrives (unstuffed), until <DLE><ETX>
        (then in command state); ATTimeout if the modem goes quiet for ``idle_timeout_s``.
        A consumer that stops early leaves the modem in receive data state: it aborts."""
        ch = self._ch
        ch.set_mode(Mode.DATA_RX)
        total = 0
        try:
            while True:
                data, ended = ch.received.take_data(doubled=doubled)
                total += len(data)
                if ended:
                    ch.set_mode(Mode.COMMAND)
                    ch.note("data<", f"{total} bytes")
                    if data:
                        yield data
                    return
                if data:
                    yield data
                await ch.wait_arrival(self._deadline(idle_timeout_s))
        except TimeoutError:
            ch.desynced = True
            raise ATTimeout(f"data (after {total} bytes)", idle_timeout_s) from None

    async def reset(self) -> None:
        settings = self._ch.settings
        # Before ATV1 takes effect the modem may still answer with numeric codes.
        await self.command(settings.reset_command, timeout_s=settings.reset_timeout_s, numeric=True)
        for command in settings.init_commands:
            await self.command(command, numeric=True)

    async def recover(self) -> None:
        await recovery.recover(self)


class _Pacer:
    """Keeps writes at or below ``rate`` bytes/s, as a serial line of that rate would.
    No credit builds up while we wait (XOFF): after XON the rate holds, no burst."""

    def __init__(self, rate_bytes_s: float) -> None:
        self._rate = rate_bytes_s
        self._loop = asyncio.get_running_loop()
        self._next = self._loop.time()

    def sent(self, count: int) -> None:
        self._next = max(self._next, self._loop.time()) + count / self._rate

    async def wait(self) -> None:
        """Sleep until the line would be free again (yields always, so the reader
        callback sees an XOFF between chunks)."""
        await asyncio.sleep(max(0.0, self._next - self._loop.time()))
