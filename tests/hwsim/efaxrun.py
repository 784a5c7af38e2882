"""Running efax on simulated modems and comparing what it received with what was sent.

efax (Ed Casas' fax program, Debian package ``efax``) is the independent judge: if one
efax can send a fax through hw-sim to another, the simulated modems and line are faithful
enough to test faxgw.

Options, and why:
- ``-o1``: force Class 1 (hw-sim also lists Class 0; efax would pick Class 1 anyway).
- ``-w -iS0=1`` on the receiver: wait for the modem's RING and let it auto-answer on the
  first ring (ATA with no call ringing would just time out, as on a real line).
- ``-h ""``: an empty page header, so the only change efax makes to a page is the blank
  space it inserts at the top (20 lines; at 98 lpi the first 28 lines are ORed in pairs,
  see ``expected_received``).
- ``-d <symlink>``: efax opens the path like any tty; no lock file (-x) is needed.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

EFAX_HEADER_SPACE = 20  # efax.c HDRSPCE: blank lines inserted above each page
EFAX_HEADER_ROWS = 28  # HDRSTRT + HDRCHRH: rows decimated 2:1 at 98 lpi


def require_efax() -> None:
    for tool in ("efax", "efix"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (Debian package efax); "
                               ".ci/run installs it")


def make_pages(directory: Path, count: int, lines: int = 300, fine: bool = False,
               seed: int = 1) -> list[tuple[Path, np.ndarray]]:
    """Random-rectangle test pages as TIFF G3 made by efix; returns (file, ink array)."""
    rng = np.random.default_rng(seed)
    pages = []
    for number in range(1, count + 1):
        ink = np.zeros((lines, 1728), bool)
        for _ in range(40):
            y, x = int(rng.integers(10, lines - 40)), int(rng.integers(100, 1600))
            ink[y:y + int(rng.integers(2, 30)), x:x + int(rng.integers(5, 100))] = True
        ink[lines // 2, 64:1664:3] = True  # a dotted line: many short runs
        pbm = directory / f"page{number}.pbm"
        Image.fromarray(~ink).save(pbm)
        res = "204x196" if fine else "204x98"
        subprocess.run(["efix", "-R", res, "-r", res, "-otiffg3", "-n",
                        str(directory / f"page{number}.%03d"), str(pbm)],
                       check=True, capture_output=True)
        pages.append((directory / f"page{number}.001", ink))
    return pages


def read_fax(path: Path) -> np.ndarray:
    """A received page as an ink array, decoded by efix."""
    pbm = subprocess.run(["efix", "-opbm", str(path)], check=True, capture_output=True).stdout
    tmp = path.with_suffix(path.suffix + ".pbm")
    tmp.write_bytes(pbm)
    return ~np.array(Image.open(tmp))


def expected_received(ink: np.ndarray, fine: bool) -> np.ndarray:
    """What efax puts on the line for this page (efax.c send_data)."""
    padded = np.vstack([np.zeros((EFAX_HEADER_SPACE, ink.shape[1]), bool), ink])
    if fine:
        return padded
    head = padded[:EFAX_HEADER_ROWS].reshape(EFAX_HEADER_ROWS // 2, 2, -1).any(axis=1)
    return np.vstack([head, padded[EFAX_HEADER_ROWS:]])


@dataclass
class EfaxResult:
    returncode: int
    log: str


class EfaxPair:
    """An efax receiver waiting on one modem and an efax sender on another."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: list[subprocess.Popen] = []

    def start_receiver(self, device: str, extra: tuple[str, ...] = ()) -> subprocess.Popen:
        log = open(self.workdir / "rx.log", "w")
        proc = subprocess.Popen(
            ["efax", "-d", device, "-o1", "-w", "-iS0=1", "-l", "1002", "-v", "ewinchr",
             "-r", str(self.workdir / "rcv"), *extra],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs.append(proc)
        self._wait_ready(proc)
        return proc

    def _wait_ready(self, proc: subprocess.Popen, timeout: float = 15) -> None:
        """A call that arrives while efax still initialises the modem is answered in
        the middle of its init commands (as on a real line): wait until it listens."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "waiting for activity" in (self.workdir / "rx.log").read_text(errors="replace"):
                return
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("efax receiver did not start listening:\n"
                           + (self.workdir / "rx.log").read_text(errors="replace")[-2000:])

    def send(self, device: str, number: str, files: list[Path],
             extra: tuple[str, ...] = (), timeout: float = 120) -> EfaxResult:
        log_path = self.workdir / "tx.log"
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                ["efax", "-d", device, "-o1", "-h", "", "-l", "1001", "-v", "ewinchr",
                 *extra, "-t", number, *map(str, files)],
                stdout=log, stderr=subprocess.STDOUT)
            self.procs.append(proc)
            code = proc.wait(timeout)
        return EfaxResult(code, log_path.read_text(errors="replace"))

    def receiver_result(self, proc: subprocess.Popen, timeout: float = 60) -> EfaxResult:
        code = proc.wait(timeout)
        return EfaxResult(code, (self.workdir / "rx.log").read_text(errors="replace"))

    def received_files(self) -> list[Path]:
        return sorted(p for p in self.workdir.glob("rcv.[0-9][0-9][0-9]"))

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
