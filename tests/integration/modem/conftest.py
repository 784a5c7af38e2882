"""Fixtures of the modem integration tests: a leak check and a scripted pty modem."""

import asyncio
import os

import pytest

from tests.integration.modem.ptymodem import PtyModem


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.fixture(autouse=True)
async def no_leaks():
    """Fail a test that leaves tasks running or fds (ptys, serial ports) open."""
    fds = _open_fds()
    yield
    await asyncio.sleep(0)  # let abort()'s connection_lost run
    current = asyncio.current_task()
    leaked = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not leaked, f"tasks left running: {leaked}"
    assert _open_fds() <= fds, f"fds left open: {_open_fds() - fds}"


@pytest.fixture
async def pty_modem():
    modem = PtyModem()
    yield modem
    await modem.close()
