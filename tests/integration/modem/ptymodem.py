"""A scripted modem on a real pseudo-terminal: the hardware edge for AT-channel tests.

The code under test opens ``path`` through pyserial exactly as it opens a real port. The
test drives the other end: it reads what was written, answers with chosen bytes (including
garbage), goes silent, or closes the pty (a USB modem pulled out).
"""

from __future__ import annotations

import asyncio
import os
import tty
from collections.abc import Awaitable, Callable

Handler = Callable[["PtyModem", str], Awaitable[None]]


class PtyModem:
    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self._slave)
        self.inbox = bytearray()
        self.commands: list[str] = []
        self.silent = False
        self._arrived = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._closed = False
        asyncio.get_running_loop().add_reader(self.master, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO while no slave is open: nothing to read
            return
        self.inbox += data
        self._arrived.set()

    def send(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("latin-1")
        os.write(self.master, data)

    def reply(self, *lines: str) -> None:
        """Answer like a verbose modem: each line framed by CR LF."""
        self.send("".join(f"\r\n{line}\r\n" for line in lines))

    async def read_until(self, marker: bytes, timeout_s: float = 5.0) -> bytes:
        async with asyncio.timeout(timeout_s):
            while (end := self.inbox.find(marker)) < 0:
                self._arrived.clear()
                await self._arrived.wait()
        chunk = bytes(self.inbox[:end + len(marker)])
        del self.inbox[:end + len(marker)]
        return chunk

    async def wait_more(self) -> None:
        self._arrived.clear()
        await self._arrived.wait()

    async def read_command(self, timeout_s: float = 30.0) -> str:
        raw = await self.read_until(b"\r", timeout_s)
        # XON/XOFF are flow control, not command characters (as in a modem with +FLO=1).
        command = raw[:-1].replace(b"\x11", b"").replace(b"\x13", b"").decode("latin-1").strip()
        self.commands.append(command)
        return command

    def run(self, handler: Handler) -> None:
        """Answer each command with ``handler`` until closed."""
        async def loop() -> None:
            while not self._closed:
                command = await self.read_command()
                if not self.silent:
                    await handler(self, command)

        self._task = asyncio.get_running_loop().create_task(loop())

    async def close(self) -> None:
        """Close both ends: the port vanishes under whoever has it open."""
        if self._closed:
            return
        self._closed = True
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, TimeoutError):
                pass
        asyncio.get_running_loop().remove_reader(self.master)
        os.close(self.master)
        os.close(self._slave)


async def answer_ok(modem: PtyModem, command: str) -> None:
    """The plainest modem: OK to everything."""
    modem.reply("OK")
