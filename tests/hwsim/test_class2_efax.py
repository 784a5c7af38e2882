"""efax drives hw-sim's Class 2.0 (T.32) modem against efax on a Class 1 modem, both ways:
the independent check that the simulated Class 2.0 modem is faithful.

efax ``-o0`` forces its Class 2.0 mode; the other efax stays in Class 1 (``-o1``), so the
T.30 on the line is checked by efax's own Class 1 implementation.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from hwsim import ModemBank

from .efaxrun import EfaxPair, EfaxResult, expected_received, make_pages, read_fax, require_efax

pytestmark = pytest.mark.interop

DRIVERS = Path(__file__).resolve().parents[2] / "drivers"
CLASS20 = DRIVERS / "hwsim-class20.toml"


class MixedEfaxPair(EfaxPair):
    """An EfaxPair whose sender and receiver each use their own efax class option."""

    def __init__(self, workdir: Path, tx_class: str, rx_class: str) -> None:
        super().__init__(workdir)
        self.tx_class, self.rx_class = tx_class, rx_class

    def start_receiver(self, device: str, extra: tuple[str, ...] = ()) -> subprocess.Popen:
        log = open(self.workdir / "rx.log", "w")
        proc = subprocess.Popen(
            ["efax", "-d", device, f"-o{self.rx_class}", "-w", "-iS0=1", "-l", "1002",
             "-v", "ewinchr", "-r", str(self.workdir / "rcv"), *extra],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs.append(proc)
        self._wait_ready(proc)
        return proc

    def send(self, device: str, number: str, files: list[Path],
             extra: tuple[str, ...] = (), timeout: float = 120) -> EfaxResult:
        log_path = self.workdir / "tx.log"
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                ["efax", "-d", device, f"-o{self.tx_class}", "-h", "", "-l", "1001",
                 "-v", "ewinchr", *extra, "-t", number, *map(str, files)],
                stdout=log, stderr=subprocess.STDOUT)
            self.procs.append(proc)
            code = proc.wait(timeout)
        return EfaxResult(code, log_path.read_text(errors="replace"))


def _run(tmp_path, tx_class: str, rx_class: str, tx_profile, rx_profile, count=2,
         fine=False):
    require_efax()
    pair = MixedEfaxPair(tmp_path, tx_class, rx_class)
    try:
        with ModemBank(timing="accelerated") as bank:
            a = bank.add_modem("1001", profile=tx_profile)
            b = bank.add_modem("1002", profile=rx_profile)
            pages = make_pages(tmp_path, count, lines=300, fine=fine)
            receiver = pair.start_receiver(b.device)
            sent = pair.send(a.device, "1002", [p for p, _ in pages])
            assert sent.returncode == 0, sent.log[-3000:]
            received = pair.receiver_result(receiver)
            assert received.returncode == 0, received.log[-3000:]
            files = pair.received_files()
            assert len(files) == count, received.log[-2000:]
            for (_, ink), path in zip(pages, files):
                got, want = read_fax(path), expected_received(ink, fine)
                assert got.shape == want.shape
                assert np.array_equal(got, want), f"{path.name}: {np.sum(got != want)} differ"
            record = bank.wait_for_call("1002", timeout=10)
            assert record["result"] == "completed"
            return sent, received, record
    finally:
        pair.close()


def test_efax_class20_modem_sends_to_efax_class1(tmp_path):
    sent, _, record = _run(tmp_path, "0", "1", CLASS20, None, count=2)
    assert "class 2.0" in sent.log
    assert {c["modulation"] for c in record["carriers"] if c["page"]} == {"V.17 14400"}


def test_efax_class1_sends_to_efax_on_class20_modem(tmp_path):
    _, received, _ = _run(tmp_path, "1", "0", None, CLASS20, count=2, fine=True)
    assert "class 2.0" in received.log
