"""The AT command channel: one command at a time over a serial transport.

* A command runs inside a transaction (``async with channel.transaction() as tx``) that
  holds the channel; the channel is marked busy *before* the command is written, so a fast
  answer is never lost or mistaken for an unsolicited code (architecture habit 5).
* Every wait has a timeout; ``ATTimeout``/``ATError``/``ModemGone`` say what went wrong.
* Lines that arrive while no transaction runs, and RING / caller-ID lines at any time in
  command state, go to listeners (``add_listener``).
* Data state (after CONNECT): ``write_data`` paces the bytes by the modem's XON/XOFF
  (the DCE flow-controls the DTE in-band, T.31 +FLO); ``read_data`` unstuffs DLE
  until <DLE><ETX>. ``recover`` gets a confused modem back to command state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

from faxgw.modem.at import dle
from faxgw.modem.at.buffer import ReceiveBuffer
from faxgw.modem.at.errors import ATTimeout, BufferOverflow, ModemGone
from faxgw.modem.at.results import Kind, Result, classify
from faxgw.modem.at.states import ONLY_OK, Mode
from faxgw.modem.at.transaction import Reply, Transaction  # noqa: F401 (Reply re-exported)
from faxgw.modem.at.transport import SerialTransport

log = logging.getLogger(__name__)

Listener = Callable[[Result], None]
Trace = Callable[[str, str], None]  # (what, text): "at>", "at<", "urc", "data>", "data<", "note"


@dataclass(frozen=True)
class ChannelSettings:
    """Timing and behaviour of one modem's AT channel; built from its profile."""

    command_timeout_s: float = 3.0
    reset_timeout_s: float = 10.0
    reset_command: str = "ATZ"
    init_commands: tuple[str, ...] = ("ATE0", "ATV1", "ATQ0")
    hangup_command: str = "ATH0"
    escape_guard_s: float = 1.0  # silence before and after "+++" (V.250 S12, 1 s default)
    flow_control: bool = True  # honour XON/XOFF from the modem while we transmit data
    tx_chunk_bytes: int = 128
    stall_timeout_s: float = 10.0  # longest XOFF, or write blocked, before we give up
    resync_quiet_s: float = 0.2  # after a timeout: silence that proves no late answer is due
    max_buffer_bytes: int = 256 * 1024
    baudrate: int = 115200


class AtChannel:
    """Open with ``await AtChannel.open(port, settings)``; close with ``await close()``."""

    def __init__(self, port: str, settings: ChannelSettings, trace: Trace | None = None) -> None:
        self.port = port
        self.settings = settings
        self._trace = trace
        self._transport: SerialTransport | None = None
        self.received = ReceiveBuffer()
        self._arrived = asyncio.Event()
        self._xon = asyncio.Event()
        self._xon.set()
        self._lock = asyncio.Lock()
        self._busy = False
        self._mode = Mode.COMMAND
        self._gone: ModemGone | None = None
        self.lost = asyncio.Event()  # set when the port vanishes: a pool can await it while idle
        self._overflow = False
        self._desynced = False  # a command timed out: its answer may still come
        self._listeners: list[Listener] = []

    @classmethod
    async def open(cls, port: str, settings: ChannelSettings | None = None,
                   trace: Trace | None = None) -> AtChannel:
        channel = cls(port, settings or ChannelSettings(), trace)
        channel._transport = await SerialTransport.open(port, channel, baudrate=channel.settings.baudrate)
        return channel

    async def close(self) -> None:
        if self._transport is not None:
            await self._transport.close()

    @property
    def is_open(self) -> bool:
        return self._gone is None and self._transport is not None and self._transport.is_open

    @property
    def mode(self) -> Mode:
        return self._mode

    # --- listeners for unsolicited codes ------------------------------------------------

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def wait_for(self, kind: Kind, timeout_s: float) -> Result:
        """Wait for an unsolicited code (e.g. RING) routed to listeners."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()

        def listener(result: Result) -> None:
            if result.kind is kind and not future.done():
                future.set_result(result)

        remove = self.add_listener(listener)
        lost = asyncio.ensure_future(self.lost.wait())  # a vanishing port ends the wait too
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.wait({future, lost}, return_when=asyncio.FIRST_COMPLETED)
            self.check_alive()
            return future.result()
        except TimeoutError:
            raise ATTimeout(f"wait for {kind.value}", timeout_s) from None
        finally:
            remove()
            future.cancel()
            lost.cancel()
            await asyncio.gather(lost, return_exceptions=True)

    def notify(self, result: Result) -> None:
        """Hand an unsolicited code (RING, caller ID) to the listeners."""
        self._note("urc", result.text)
        for listener in list(self._listeners):
            try:
                listener(result)
            except Exception:  # a listener's bug must not kill the channel
                log.exception("listener failed on %r", result.text)

    # --- ByteSink: called by the transport -----------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._mode is Mode.DATA_TX and self.settings.flow_control:
            data = self._take_flow_control(data)
        self.received.append(data)
        if len(self.received) > self.settings.max_buffer_bytes:
            self._overflow = True
        if not self._busy:
            self._dispatch_idle_lines()
        self._arrived.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self._gone = ModemGone(self.port, f"port lost: {exc}" if exc else "port closed")
        self.lost.set()
        self._note("note", str(self._gone))
        self._arrived.set()
        self._xon.set()

    def _take_flow_control(self, data: bytes) -> bytes:
        """Act on XON/XOFF from the modem and drop them: in transmit data state the DCE
        sends nothing else we need (T.31 8.3.3 / 8.3.5, +FLO)."""
        for byte in data:
            if byte == dle.DC3:
                self._xon.clear()
            elif byte == dle.DC1:
                self._xon.set()
        return data.replace(b"\x11", b"").replace(b"\x13", b"")

    def _dispatch_idle_lines(self) -> None:
        while self._mode is Mode.COMMAND:
            complete, text = self.received.take_raw_line()
            if not complete:
                return
            if text:
                self.notify(classify(text))

    # --- transactions --------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._lock:
            self.check_alive()
            self._busy = True
            try:
                yield Transaction(self)
            finally:
                self._busy = False
                self._dispatch_idle_lines()

    async def command(self, command: str, *, timeout_s: float | None = None,
                      accept: Collection[Kind] = ONLY_OK) -> Reply:
        async with self.transaction() as tx:
            return await tx.command(command, timeout_s=timeout_s, accept=accept)

    async def reset(self) -> None:
        """ATZ and the profile's init commands, as one transaction."""
        async with self.transaction() as tx:
            await tx.reset()

    async def recover(self) -> None:
        """Back to a known command state, or ModemUnresponsive. See ``Transaction.recover``."""
        async with self.transaction() as tx:
            await tx.recover()

    def check_alive(self) -> None:
        """ModemGone if the port vanished, BufferOverflow if we fell that far behind."""
        if self._gone is not None:
            raise self._gone
        if self._overflow:
            raise BufferOverflow(f"{self.port}: more than {self.settings.max_buffer_bytes} bytes unread")

    def note(self, what: str, text: str) -> None:
        """Add a line to the protocol trace (the link notes frames and image sizes)."""
        self._note(what, text)

    def _note(self, what: str, text: str) -> None:
        log.debug("%s %s %s", self.port, what, text)
        if self._trace is not None:
            self._trace(what, text)

    @contextmanager
    def tracing(self, trace: Trace):
        """Send the protocol trace to ``trace`` for a while (a call keeps its AT lines)."""
        previous, self._trace = self._trace, trace
        try:
            yield
        finally:
            self._trace = previous

    # --- for the holder of the transaction (faxgw.modem.at.transaction) ------------------

    @property
    def desynced(self) -> bool:
        """A command timed out: its answer may still come, so resync before the next."""
        return self._desynced

    @desynced.setter
    def desynced(self, value: bool) -> None:
        self._desynced = value

    def write(self, data: bytes, what: str, text: str) -> None:
        """Write ``data`` now, noting ``text`` in the trace as ``what``."""
        self.check_alive()
        assert self._transport is not None
        self._note(what, text)
        self._transport.write(data)

    async def write_drained(self, data: bytes) -> None:
        """Write ``data`` (not traced) and wait until the port has taken it."""
        self.check_alive()
        assert self._transport is not None
        self._transport.write(data)
        await self._transport.drain()

    async def wait_xon(self) -> None:
        """Return once the modem's flow control lets us send (at once unless XOFF)."""
        await self._xon.wait()

    def set_mode(self, mode: Mode) -> None:
        """Switch state; bytes already buffered are re-read under the new state's rules."""
        self._mode = mode
        if mode is Mode.DATA_TX:
            self._xon.set()
            if self.settings.flow_control:
                self.received.rewrite(self._take_flow_control)

    async def wait_arrival(self, deadline: float) -> None:
        """Wait for more bytes until ``deadline`` (loop time); TimeoutError after it."""
        self.check_alive()
        self._arrived.clear()
        async with asyncio.timeout_at(deadline):
            await self._arrived.wait()
        self.check_alive()

    async def next_line(self, deadline: float) -> str:
        """The next non-empty line; TimeoutError if none is complete by ``deadline``."""
        while (text := self.received.take_line()) is None:
            await self.wait_arrival(deadline)
        return text
