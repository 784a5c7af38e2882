"""The documents API for the daemon (async) and for scripts (blocking).

    renderer = Renderer()                       # once, at daemon start
    infos = await renderer.inspect(documents)   # at submit: 4xx material, no pixels
    pages = await renderer.render(documents, options)   # before the first attempt

All CPU work runs in the process pool; the event loop only waits. The pages of one document
are cut into runs rendered on all workers at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from .errors import DocumentError
from .options import Limits, RenderOptions
from .page import FaxPage
from .pipeline import PageRun, render_run, split_runs, typeset_if_text, warm_up_worker
from .pool import RenderPool
from .validate import DocumentInfo, inspect_all


class Renderer:
    def __init__(self, pool: RenderPool | None = None, workers: int | None = None):
        """Without ``pool`` or ``workers``, the renderer uses the process's shared pool
        (RenderPool.acquire_shared); with them, a pool of its own."""
        self._shared = pool is None and workers is None
        self.pool = RenderPool.acquire_shared() if self._shared else (pool or RenderPool(workers=workers))
        self._closed = False

    async def inspect(self, documents: list[bytes], limits: Limits = Limits()) -> list[DocumentInfo]:
        """Type and page count of each document; DocumentError for the first bad one."""
        return await self.pool.run(inspect_all, documents, limits)

    async def render(self, documents: list[bytes], options: RenderOptions = RenderOptions(),
                     now: dt.datetime | None = None) -> list[FaxPage]:
        """Every page of the fax in order: cover (if asked), then each document's pages."""
        now = now or dt.datetime.now().astimezone()
        infos = await self.inspect(documents, options.limits)
        sources = await asyncio.gather(*(self._source(index, info, data)
                                         for index, (info, data) in enumerate(zip(infos, documents))))
        runs = split_runs(sources, [info.page_count for info in infos],
                          options.cover is not None, self.pool.workers)
        rendered = await asyncio.gather(*(self._run(run, options, now) for run in runs))
        return [page for pages in rendered for page in pages]

    async def _source(self, index: int, info: DocumentInfo, data: bytes) -> tuple[str, bytes]:
        if info.type.value != "text":
            return info.type.value, data
        return info.type.value, await self._for_document(index, typeset_if_text, data)

    async def _run(self, run: PageRun, options: RenderOptions, now: dt.datetime) -> list[FaxPage]:
        return await self._for_document(run.document, render_run, run, options, now)

    async def _for_document(self, index: int | None, fn, *args):
        try:
            return await self.pool.run(fn, *args)
        except DocumentError as exc:
            raise exc if index is None else exc.for_document(index)

    def render_blocking(self, documents: list[bytes], options: RenderOptions = RenderOptions()) -> list[FaxPage]:
        """The same, for code without an event loop (the CLI, scripts)."""
        return asyncio.run(self.render(documents, options))

    def warm_up(self) -> None:
        self.pool.warm_up(warm_up_worker)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._shared:
            RenderPool.release_shared()
        else:
            self.pool.shutdown()
