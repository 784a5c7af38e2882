"""A session must leave no pty, thread or task behind, whatever way it ended."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest


def _open_ptys() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("/dev/pts/") or target == "/dev/ptmx":
            found.add(f"{fd}->{target}")
    return found


@pytest.fixture(autouse=True)
def no_leaks():
    ptys, threads = _open_ptys(), set(threading.enumerate())
    yield
    late = [t for t in threading.enumerate() if t not in threads and t.is_alive()
            and not t.name.startswith("asyncio_")]  # the loop's executor, closed with it
    for thread in late:
        thread.join(timeout=2)
    assert not [t for t in late if t.is_alive()], f"threads leaked: {late}"
    assert _open_ptys() <= ptys, f"ptys leaked: {_open_ptys() - ptys}"


@pytest.fixture(autouse=True)
async def no_task_leaks():
    before = asyncio.all_tasks()
    yield
    await asyncio.sleep(0)
    left = {t for t in asyncio.all_tasks() - before if not t.done()}
    left.discard(asyncio.current_task())
    assert not left, f"tasks leaked: {left}"
