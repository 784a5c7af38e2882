"""Serial transport: bytes to and from a modem port through pyserial-asyncio.

A hw-sim pseudo-terminal and ``/dev/ttyACM0`` are opened the same way. Received bytes go
up by one narrow callback (``data_received``); losing the port (USB modem pulled out, pty
closed, EIO) goes up as ``connection_lost`` and every later write raises ``ModemGone``.
No task of its own: the event loop's reader callback does the reading.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import serial
import serial_asyncio

from faxgw.modem.at.errors import ModemGone

CLOSE_TIMEOUT_S = 2.0  # abort() completes within one loop turn; this only bounds a bug


class ByteSink(Protocol):
    def data_received(self, data: bytes) -> None: ...
    def connection_lost(self, exc: Exception | None) -> None: ...


class _SerialProtocol(asyncio.Protocol):
    """Adapts asyncio's protocol callbacks to a ByteSink and tracks write pressure."""

    def __init__(self, sink: ByteSink) -> None:
        self._sink = sink
        self.can_write = asyncio.Event()
        self.can_write.set()
        self.lost = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        self._sink.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost.set()
        self.can_write.set()  # wake a drain() so it sees the loss
        self._sink.connection_lost(exc)

    def pause_writing(self) -> None:
        self.can_write.clear()

    def resume_writing(self) -> None:
        self.can_write.set()


class SerialTransport:
    """An open modem port. Create with ``await SerialTransport.open(port, sink)``."""

    def __init__(self, port: str, transport: serial_asyncio.SerialTransport,
                 protocol: _SerialProtocol) -> None:
        self.port = port
        self._transport = transport
        self._protocol = protocol

    @classmethod
    async def open(cls, port: str, sink: ByteSink, *, baudrate: int = 115200) -> SerialTransport:
        loop = asyncio.get_running_loop()
        protocol = _SerialProtocol(sink)
        try:
            # exclusive: a second process must not share the modem (flock on POSIX).
            transport, _ = await serial_asyncio.create_serial_connection(
                loop, lambda: protocol, port, baudrate=baudrate, exclusive=True,
                xonxoff=False, rtscts=False)  # XON/XOFF is done by the AT channel, see there
        except (serial.SerialException, OSError) as exc:
            raise ModemGone(port, f"cannot open: {exc}") from exc
        return cls(port, transport, protocol)

    @property
    def is_open(self) -> bool:
        return not self._protocol.lost.is_set() and not self._transport.is_closing()

    def write(self, data: bytes) -> None:
        if not self.is_open:
            raise ModemGone(self.port)
        self._transport.write(data)

    async def drain(self) -> None:
        """Wait until the write buffer is below its high-water mark (caller bounds the wait)."""
        await self._protocol.can_write.wait()
        if not self.is_open:
            raise ModemGone(self.port)

    async def close(self) -> None:
        """Close now, dropping unsent bytes, and wait until the fd is closed.

        Output is discarded first because pyserial-asyncio's close path calls tcdrain,
        which would block the event loop on a port whose other end stopped reading.
        """
        if self._protocol.lost.is_set():
            return
        serial_port = self._transport.serial
        if serial_port is not None:
            try:
                serial_port.reset_output_buffer()
            except (serial.SerialException, OSError):
                pass  # the port may already be gone; closing still releases the fd
        self._transport.abort()
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await self._protocol.lost.wait()  # abort() schedules connection_lost next turn
