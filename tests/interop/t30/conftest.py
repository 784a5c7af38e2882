"""A session must leave no pty, thread or task behind, whatever way it ended."""

from __future__ import annotations

import asyncio

import pytest

from tests.leaks import assert_nothing_leaked, snapshot


@pytest.fixture(autouse=True)
def no_leaks():
    before = snapshot()
    yield
    # asyncio_*: the loop's default executor, closed with the loop.
    assert_nothing_leaked(before, ignore_thread_prefixes=("asyncio_",))


@pytest.fixture(autouse=True)
async def no_task_leaks():
    before = asyncio.all_tasks()
    yield
    await asyncio.sleep(0)
    left = {t for t in asyncio.all_tasks() - before if not t.done()}
    left.discard(asyncio.current_task())
    assert not left, f"tasks leaked: {left}"
