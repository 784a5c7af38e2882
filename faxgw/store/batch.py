"""Group commit: submissions that arrive while a transaction commits share the next one.

A commit with ``synchronous = FULL`` costs one fsync (milliseconds on an SD card or a VM
disk); one per submission caps the rate at a few hundred per second however fast the rest
is. Each fax still answers only after *its* transaction is durable, and each has its own
savepoint, so one fax's failure (a duplicate Idempotency-Key) does not undo the others.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
MAX_BATCH = 64


class GroupCommit(Generic[T, R]):
    def __init__(self, run_batch: Callable[[list[T]], Awaitable[list[Any]]]):
        # run_batch returns one result per item: a value, or an exception for that item only.
        self._run_batch = run_batch
        self._pending: list[tuple[T, asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None

    async def submit(self, item: T) -> R:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                results = await self._run_batch([item for item, _ in batch])
            except BaseException as exc:  # the whole transaction failed: tell every waiter
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, future), result in zip(batch, results):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    async def drain(self) -> None:
        """Wait for submissions in flight (at shutdown)."""
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
