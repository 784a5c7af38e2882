"""Fixtures for hw-sim tests: a modem bank per test, and a check that nothing leaks."""

from __future__ import annotations

import os
import threading

import pytest

from hwsim import ModemBank


def _open_ptys() -> set[str]:
    fds = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("/dev/pts/") or target == "/dev/ptmx":
            fds.add(f"{fd}->{target}")
    return fds


@pytest.fixture(autouse=True)
def no_leaks():
    """Fail a test that leaves pty descriptors or threads behind."""
    ptys, threads = _open_ptys(), set(threading.enumerate())
    yield
    leaked_threads = [t for t in threading.enumerate() if t not in threads and t.is_alive()]
    for thread in leaked_threads:
        thread.join(timeout=2)
    leaked_threads = [t for t in leaked_threads if t.is_alive()]
    assert not leaked_threads, f"threads leaked: {leaked_threads}"
    assert _open_ptys() <= ptys, f"ptys leaked: {_open_ptys() - ptys}"


@pytest.fixture
def bank(tmp_path):
    with ModemBank(timing="accelerated", log_path=tmp_path / "calls.jsonl") as b:
        yield b
        assert not b.log.errors, f"simulator errors: {b.log.errors}"


@pytest.fixture
def pair(bank):
    """Two modems, 1001 and 1002."""
    return bank.add_modem("1001"), bank.add_modem("1002")
