"""A far end nobody in this project wrote: spandsp's T.31 modem on a pty, its line wired to
spandsp's T.30 fax terminal (the C program in ``hw-sim/spandsp``).

The program is built on first use with ``cc`` and ``pkg-config spandsp`` into a cache
directory keyed by the hash of its sources, so a fresh checkout builds it once and an edit
rebuilds it. A DTE under test opens :attr:`SpandspFarEnd.device` like any modem.

Roles, as the terminal plays them:
- ``answer``: the DTE dials (any number), the terminal answers and receives into ``tiff``;
- ``originate``: the modem rings the DTE until it answers (``ATA``, or ``S0`` auto-answer),
  then the terminal sends ``tiff``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

SOURCE_DIR = Path(__file__).resolve().parent.parent / "spandsp"
RATES = (14400, 9600, 7200, 4800, 2400)
COMPRESSIONS = ("mh", "mr", "mmr")


class SpandspUnavailable(RuntimeError):
    """The far end cannot be built here: no C compiler, pkg-config or libspandsp-dev."""


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hwsim" / "spandsp-far-end"


def _sources(source_dir: Path = SOURCE_DIR) -> list[Path]:
    return sorted(source_dir.glob("*.[ch]"))


def _pkg_config(*args: str) -> list[str]:
    done = subprocess.run(["pkg-config", *args, "spandsp"], capture_output=True, text=True)
    if done.returncode != 0:
        raise SpandspUnavailable("pkg-config finds no spandsp: install libspandsp-dev "
                                 "(.ci/run does)\n" + done.stderr)
    return done.stdout.split()


def _require_tools() -> None:
    for tool, package in (("cc", "gcc"), ("pkg-config", "pkg-config")):
        if shutil.which(tool) is None:
            raise SpandspUnavailable(f"{tool} is not installed (Debian package {package}); "
                                     "the spandsp far end is built from C on first use")


def build(cache_dir: Path | None = None, source_dir: Path = SOURCE_DIR,
          name: str = "spandsp-far-end", libs: tuple[str, ...] = ()) -> Path:
    """The far end's executable (or another program of C sources in ``source_dir``, linked
    with ``libs`` too), compiled unless this exact source is already built."""
    _require_tools()
    flags = _pkg_config("--cflags") + _pkg_config("--libs") + list(libs)
    digest = hashlib.sha256(" ".join(flags).encode())
    for source in _sources(source_dir):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    cache = cache_dir or _default_cache_dir()
    executable = cache / f"{name}-{digest.hexdigest()[:16]}"
    if executable.exists():
        return executable
    cache.mkdir(parents=True, exist_ok=True)
    # Built under a private name and renamed: parallel test workers may build at once.
    fd, scratch = tempfile.mkstemp(dir=cache, prefix=".build-")
    os.close(fd)
    command = ["cc", "-O2", "-Wall", "-o", scratch, *map(str, _sources(source_dir)), *flags,
               "-lm"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        os.unlink(scratch)
        raise SpandspUnavailable(f"building the spandsp far end failed:\n{done.stderr}")
    os.replace(scratch, executable)
    return executable


@dataclass(frozen=True)
class FarEndResult:
    """How the call went, as the spandsp terminal saw it (the program's last stdout line)."""

    ended_by: str            # phase_e, dte_hangup, time_limit or signal
    connected: bool
    completion_code: int     # spandsp's T30_ERR_* (0 is success)
    completion: str
    pages: int
    bit_rate: int
    ecm: bool
    compression: str | None  # MH, MR or MMR
    remote_ident: str | None
    bad_rows: int
    ecm_retries: int
    tiff: str | None         # the received file, when the terminal received
    line_seconds: float

    @property
    def success(self) -> bool:
        return self.completion_code == 0 and self.ended_by == "phase_e"


class SpandspFarEnd:
    """The far-end program, started by ``async with`` (or :meth:`start`/:meth:`close`)."""

    def __init__(self, role: Literal["answer", "originate"], tiff: Path, *, ecm: bool = True,
                 compressions: tuple[str, ...] = COMPRESSIONS, max_rate: int = 14400,
                 ident: str = "spandsp", attenuation_db: float = 0.0,
                 noise_dbm0: float | None = None, time_factor: int = 1,
                 time_limit: float = 300.0, ring_seconds: float = 6.0,
                 log_path: Path | None = None, log_level: int = 5,
                 cache_dir: Path | None = None) -> None:
        if role not in ("answer", "originate"):
            raise ValueError(f"role is answer or originate, not {role!r}")
        if max_rate not in RATES or not set(compressions) <= set(COMPRESSIONS):
            raise ValueError(f"max_rate in {RATES}, compressions among {COMPRESSIONS}")
        self.role, self.tiff, self.log_path = role, Path(tiff), log_path
        self._cache_dir = cache_dir
        self._args = ["--role", role, "--tiff", str(tiff), "--ecm", "on" if ecm else "off",
                      "--compressions", ",".join(compressions), "--max-rate", str(max_rate),
                      "--ident", ident, "--attenuation", str(attenuation_db),
                      "--time-factor", str(time_factor), "--time-limit", str(time_limit),
                      "--ring-seconds", str(ring_seconds),
                      "--log-level", str(log_level if log_path else 0)]
        if noise_dbm0 is not None:
            self._args += ["--noise", str(noise_dbm0)]
        self._proc: asyncio.subprocess.Process | None = None
        self._device: str | None = None
        self._result: FarEndResult | None = None

    @property
    def device(self) -> str:
        """The pty slave a DTE opens."""
        if self._device is None:
            raise RuntimeError("the far end is not started")
        return self._device

    async def start(self) -> None:
        executable = await asyncio.to_thread(build, self._cache_dir)
        # Without a log file spandsp logs nothing, and stderr carries only a refusal of the
        # options, read when the program exits at once.
        with open(self.log_path, "wb") if self.log_path else contextlib.nullcontext() as log:
            self._proc = await asyncio.create_subprocess_exec(
                str(executable), *self._args, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=log or subprocess.PIPE)
        line = await self._proc.stdout.readline()
        if not line:
            error = await self._proc.stderr.read() if log is None else b""
            await self._proc.wait()
            raise RuntimeError(f"the spandsp far end did not start (exit {self._proc.returncode})"
                               f"{self._log_tail()}\n{error.decode(errors='replace')}")
        self._device = line.decode().strip()

    async def result(self, timeout: float | None = None) -> FarEndResult:
        """Waits for the call to end (phase E, the DTE hung up, or the time limit)."""
        if self._result is None:
            assert self._proc is not None, "the far end is not started"
            out = await asyncio.wait_for(self._proc.stdout.read(), timeout)
            await self._proc.wait()
            lines = out.decode(errors="replace").strip().splitlines()
            if not lines:
                raise RuntimeError(f"the spandsp far end printed no result "
                                   f"(exit {self._proc.returncode}){self._log_tail()}")
            self._result = FarEndResult(**json.loads(lines[-1]))
        return self._result

    def log(self) -> str:
        """spandsp's log of the call, for a failing test's message."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def _log_tail(self, chars: int = 3000) -> str:
        return "\n" + self.log()[-chars:] if self.log_path else ""

    async def close(self) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        proc.terminate()  # the program still prints its result, ended_by "signal"
        with contextlib.suppress(Exception):
            await self.result(timeout=5)
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

    async def __aenter__(self) -> SpandspFarEnd:
        await self.start()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()
