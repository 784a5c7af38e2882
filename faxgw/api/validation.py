"""Submit-time validation of concurrent submissions, batched: one pool task for several faxes.

Checking a one-page PDF takes the worker about 0.1 ms; handing it to the worker process and
back costs more (pickling, a feeder and a manager thread, two processes woken), and under
CPU contention each of those wake-ups waits for a core. So requests that arrive while the
workers are busy wait for the next batch, which carries all of them in one task, as the
store's group commit does for rows. Each fax keeps its own result: one fax's bad document
fails that fax only. If a batch crashes or times out a worker (a hostile document), every
fax of it is validated again on its own, so only the culprit fails.

This module is imported by the pool's workers (inspect_batch): it imports nothing of the API.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from faxgw.documents import DocumentError
from faxgw.documents.errors import ErrorCode
from faxgw.documents.options import Limits
from faxgw.documents.service import FaxDocuments, inspect_files
from faxgw.documents.validate import DocumentInfo

MAX_BATCH = 32
_ALONE_AGAIN = {ErrorCode.RENDER_CRASHED, ErrorCode.RENDER_TIMEOUT}


def inspect_batch(batch: list[list[Path]], limits: Limits) -> list[list[DocumentInfo] | Exception]:
    """Worker side: each fax's documents, its infos or its error."""
    results: list[list[DocumentInfo] | Exception] = []
    for paths in batch:
        try:
            results.append(inspect_files(paths, limits))
        except Exception as exc:  # noqa: BLE001 - returned to that fax's request only
            results.append(exc)
    return results


class BatchedValidation:
    def __init__(self, documents: FaxDocuments):
        self._documents = documents
        self._pending: list[tuple[list[Path], asyncio.Future]] = []
        self._running: set[asyncio.Task] = set()

    async def validate(self, paths: list[Path]) -> list[DocumentInfo]:
        """The infos of one fax's documents, or its DocumentError."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append(([Path(p) for p in paths], future))
        self._start_batches()
        return await future

    def _start_batches(self) -> None:
        # As many batches at a time as the pool has workers: a free worker never waits.
        while self._pending and len(self._running) < self._documents.renderer.pool.workers:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            task = asyncio.ensure_future(self._run(batch))
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        self._start_batches()

    async def _run(self, batch: list[tuple[list[Path], asyncio.Future]]) -> None:
        try:
            results = await self._results([paths for paths, _ in batch])
        except BaseException as exc:  # noqa: BLE001 - the pool itself failed: tell each waiter
            results = [exc] * len(batch)
        for (_, future), result in zip(batch, results):
            if future.done():  # its request went away meanwhile
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _results(self, faxes: list[list[Path]]) -> list[list[DocumentInfo] | BaseException]:
        pool, limits = self._documents.renderer.pool, self._documents.limits
        if len(faxes) == 1:
            return [await self._alone(faxes[0])]
        try:
            return await pool.run(inspect_batch, faxes, limits)
        except DocumentError as exc:
            if exc.code not in _ALONE_AGAIN:
                raise
        return [await self._alone(paths) for paths in faxes]  # find the culprit

    async def _alone(self, paths: list[Path]) -> list[DocumentInfo] | BaseException:
        try:
            return await self._documents.validate(paths)
        except Exception as exc:  # noqa: BLE001 - this fax's own error
            return exc
