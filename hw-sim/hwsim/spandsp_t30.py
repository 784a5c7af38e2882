"""spandsp's T.30 engine as a helper process (``hw-sim/spandsp-t30``), one per Class 2 call.

Why a process and not ctypes: spandsp's encoder asks for the DTE's page from inside the
engine (its row read hook) at a moment of the engine's choosing; a process can simply block
there reading its input until the page has come, while the asyncio side goes on serving the
DTE. Its messages are lines of text (the C file's head lists them); time, the line and the
DTE all reach the engine only through them, so a call is as deterministic as hw-sim's line.
"""

from __future__ import annotations

import asyncio
import functools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .spandsp_far_end import build

SOURCE_DIR = Path(__file__).resolve().parent.parent / "spandsp-t30"
LINE_LIMIT = 8 * 1024 * 1024
# spandsp's t30_set_handler_t modem types.
MODEM_NONE, MODEM_PAUSE, MODEM_CED, MODEM_CNG, MODEM_V21 = 0, 1, 2, 3, 4
MODEM_V27TER, MODEM_V29, MODEM_V17, MODEM_DONE = 5, 6, 7, 9
FAMILY = {MODEM_V27TER: "V.27ter", MODEM_V29: "V.29", MODEM_V17: "V.17"}
# spandsp's T30_SUPPORT_* bits.
SUPPORT_V27TER, SUPPORT_V29, SUPPORT_V17 = 0x01, 0x02, 0x04
SUPPORT_MH, SUPPORT_MR, SUPPORT_MMR = 0x02, 0x04, 0x08
# spandsp's T4_COMPRESSION_* by T.32 DF.
ENCODING_BY_DF = {0: 1, 1: 2, 3: 3}


@dataclass(frozen=True, slots=True)
class Message:
    """One line from the engine: its tag and its fields (``data`` for hex payloads)."""

    tag: str
    fields: tuple[int, ...] = ()
    data: bytes | None = None


@functools.cache
def executable() -> Path:
    """The engine's program, built on first use (once per source version and process)."""
    return build(source_dir=SOURCE_DIR, name="spandsp-t30-firmware", libs=("-ltiff",))


def modems_up_to(bit_rate: int) -> int:
    if bit_rate >= 14400 or bit_rate == 7200:
        return SUPPORT_V17 | SUPPORT_V29 | SUPPORT_V27TER
    if bit_rate >= 9600:
        return SUPPORT_V29 | SUPPORT_V27TER
    return SUPPORT_V27TER


def compressions_up_to(df: int) -> int:
    return SUPPORT_MH | (SUPPORT_MR if df >= 1 else 0) | (SUPPORT_MMR if df >= 3 else 0)


def parse(line: str) -> Message:
    tag, _, rest = line.partition(" ")
    if tag in ("H", "I"):
        return Message(tag, (), bytes.fromhex(rest) if rest else None)
    return Message(tag, tuple(int(f) for f in rest.split()))


class SpandspT30:
    """The engine's process: ``send`` a line, ``messages`` yields what it says."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.messages: asyncio.Queue[Message | None] = asyncio.Queue()
        self._workdir = tempfile.TemporaryDirectory(prefix="hwsim-t30-")
        self._reader: asyncio.Task | None = None

    async def start(self, *, calling: bool, ident: str, ecm: bool, max_rate: int, df: int,
                    fine: bool, width: int, log_level: int = 0) -> None:
        program = await asyncio.to_thread(executable)
        # HWSIM_T30_LOG=<spandsp log level> shows the engine's own log on stderr.
        log_level = log_level or int(os.environ.get("HWSIM_T30_LOG", "0"))
        args = ["call" if calling else "answer", ident or "", str(int(ecm)),
                str(modems_up_to(max_rate)), str(compressions_up_to(df)), str(int(fine)),
                str(width), self._workdir.name, str(log_level), str(max_rate)]
        self.process = await asyncio.create_subprocess_exec(
            str(program), *args, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
            if not log_level else None, limit=LINE_LIMIT)
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        try:
            while line := await self.process.stdout.readline():
                self.messages.put_nowait(parse(line.decode().rstrip("\n")))
        finally:
            self.messages.put_nowait(None)

    def send(self, line: str) -> None:
        if self.process is None or self.process.stdin is None:
            return
        if self.process.returncode is None and not self.process.stdin.is_closing():
            self.process.stdin.write(line.encode() + b"\n")

    def send_hex(self, tag: str, data: bytes, chunk: int = 8192) -> None:
        for start in range(0, len(data), chunk):
            self.send(f"{tag} {data[start:start + chunk].hex()}")

    async def close(self) -> None:
        process = self.process
        if process is not None and process.returncode is None:
            self.send("K")
            try:
                if process.stdin is not None:
                    process.stdin.close()
                await asyncio.wait_for(process.wait(), 2.0)
            except (asyncio.TimeoutError, ConnectionError):
                process.kill()
                await process.wait()
        if self._reader is not None:
            self._reader.cancel()
        self._workdir.cleanup()
