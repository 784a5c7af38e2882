"""The modem's serial port: the master side of a pseudo-terminal.

The DTE opens the slave side (or a stable symlink to it) exactly as it opens a USB modem.
We keep a slave descriptor open ourselves so the master never sees EIO when a DTE closes
and reopens the port. Output towards the DTE goes through a bounded buffer; XON/XOFF from
the DTE pause it when flow control is on (T.31 clause 8.4 / V.250 +IFC, here +FLO=1).
"""

from __future__ import annotations

import asyncio
import errno
import os
import termios
import tty
from pathlib import Path
from typing import Callable

XON = 0x11
XOFF = 0x13
READ_CHUNK = 4096
OUT_BUFFER_MAX = 256 * 1024  # beyond this the DTE is not reading: data is lost


class PtyPort:
    def __init__(self, loop: asyncio.AbstractEventLoop, link: Path | None,
                 on_data: Callable[[bytes], None]) -> None:
        self.loop = loop
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave, termios.TCSANOW)
        os.set_blocking(self.master, False)
        self.slave_path = os.ttyname(self._slave)
        self.link = link
        if link is not None:
            link.unlink(missing_ok=True)
            link.symlink_to(self.slave_path)
        self._on_data = on_data
        self._out = bytearray()
        self._writing = False
        self.dte_paused = False  # the DTE sent XOFF
        self.dribble_s: float | None = None  # fault: one byte per write, this far apart
        self._dribble_handle: asyncio.TimerHandle | None = None
        self.lost_bytes = 0
        self.open = True
        self.reading = True
        loop.add_reader(self.master, self._readable)

    @property
    def device(self) -> str:
        return str(self.link) if self.link is not None else self.slave_path

    @property
    def pending_output(self) -> int:
        return len(self._out)

    def write(self, data: bytes) -> None:
        if not self.open or not data:
            return
        room = OUT_BUFFER_MAX - len(self._out)
        if len(data) > room:
            self.lost_bytes += len(data) - max(room, 0)
            data = data[:max(room, 0)]
        self._out += data
        self._flush()

    def write_now(self, data: bytes) -> None:
        """Flow-control characters jump the queue and ignore the DTE's XOFF."""
        if self.open:
            try:
                os.write(self.master, data)
            except BlockingIOError:
                self._out[:0] = data
                self._flush()

    def pause_reading(self) -> None:
        """Stop taking bytes from the DTE: they wait in the kernel's pty queue, as they
        would in a serial driver's transmit queue while the line runs at its baud rate,
        until the DTE's writes block."""
        if self.reading and self.open:
            self.reading = False
            self.loop.remove_reader(self.master)

    def resume_reading(self) -> None:
        if not self.reading and self.open:
            self.reading = True
            self.loop.add_reader(self.master, self._readable)

    def set_paused(self, paused: bool) -> None:
        self.dte_paused = paused
        if not paused:
            self._flush()

    def _flush(self) -> None:
        if not self.open or self.dte_paused:
            return
        if self.dribble_s is not None:
            self._dribble()
            return
        while self._out:
            try:
                written = os.write(self.master, self._out[:READ_CHUNK])
            except BlockingIOError:
                written = 0
            except OSError:
                return
            if written == 0:
                if not self._writing:
                    self._writing = True
                    self.loop.add_writer(self.master, self._writable)
                return
            del self._out[:written]
        if self._writing:
            self._writing = False
            self.loop.remove_writer(self.master)

    def _dribble(self) -> None:
        """Split output into single bytes with a gap: a DTE's parser must not assume
        that a result line arrives in one read."""
        if self._dribble_handle is not None or not self._out:
            return
        try:
            written = os.write(self.master, self._out[:1])
        except (BlockingIOError, OSError):
            written = 0
        del self._out[:written]
        self._dribble_handle = self.loop.call_later(self.dribble_s or 0, self._dribble_next)

    def _dribble_next(self) -> None:
        self._dribble_handle = None
        self._flush()

    def _writable(self) -> None:
        if self._writing:
            self.loop.remove_writer(self.master)
            self._writing = False
        self._flush()

    def _readable(self) -> None:
        try:
            data = os.read(self.master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno == errno.EIO:  # cannot happen while we hold the slave; be safe
                return
            raise
        if data:
            self._on_data(data)

    def close(self) -> None:
        """Close both sides: to the DTE the device is gone, as a pulled USB modem."""
        if not self.open:
            return
        self.open = False
        if self._dribble_handle is not None:
            self._dribble_handle.cancel()
        if self.reading:
            self.loop.remove_reader(self.master)
        if self._writing:
            self.loop.remove_writer(self.master)
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.link is not None:
            self.link.unlink(missing_ok=True)
