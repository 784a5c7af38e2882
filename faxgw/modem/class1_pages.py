"""Page data for a Class 1 session, kept off the event loop.

``PagePipeline`` encodes the pages to send for the negotiated format in worker threads,
one page ahead of the line; ``ReceivedPages`` decodes received pages in worker threads
while the runner is already listening for the post-page command.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from faxgw.session import PageFormat, PageReceivedCallback, PageSource, ReceivedPage
from faxgw.t30.negotiate import PageQuality


class PagePipeline:
    """Encoded pages by (index, format); each encoded at most once, in a thread."""

    def __init__(self, source: PageSource) -> None:
        self.source = source
        self.tasks: dict[tuple[int, PageFormat], asyncio.Task[bytes]] = {}

    def prefetch(self, fmt: PageFormat, index: int) -> None:
        key = (index, fmt)
        if 0 <= index < self.source.page_count and key not in self.tasks:
            self.tasks[key] = asyncio.ensure_future(
                asyncio.to_thread(self.source.encode, index, fmt))

    async def get(self, index: int, fmt: PageFormat) -> bytes:
        self.prefetch(fmt, index)
        return await self.tasks[(index, fmt)]

    async def close(self) -> None:
        pending = [t for t in self.tasks.values() if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)


class PageDecoder(Protocol):
    """Decodes one received page: (image, quality). Called in a worker thread."""

    def decode(self, data: bytes, fmt: PageFormat) -> tuple[Any, PageQuality]: ...


class ReceivedPages:
    """Received page data awaiting the decoder's verdict, and the pages kept."""

    def __init__(self, decoder: PageDecoder,
                 on_page_received: PageReceivedCallback | None = None) -> None:
        self.decoder = decoder
        self.on_page_received = on_page_received
        self.arrived: dict[int, tuple[bytes, PageFormat]] = {}
        self.tasks: dict[int, asyncio.Task[tuple[Any, PageQuality]]] = {}
        self.judged: dict[int, tuple[Any, PageQuality]] = {}
        self.kept: list[ReceivedPage] = []

    def start_decode(self, index: int, data: bytes, fmt: PageFormat) -> None:
        self.arrived[index] = (data, fmt)
        self.tasks[index] = asyncio.ensure_future(
            asyncio.to_thread(self.decoder.decode, data, fmt))

    async def quality(self, index: int) -> PageQuality:
        try:
            image, quality = await self.tasks[index]
        except Exception:  # noqa: BLE001 - undecodable data is a bad page, answered RTN
            image, quality = None, PageQuality(0, 0, 0)
        self.judged[index] = (image, quality)
        return quality

    def keep(self, index: int) -> ReceivedPage | None:
        if index not in self.arrived:
            return None
        data, fmt = self.arrived.pop(index)
        image, quality = self.judged.pop(index, (None, PageQuality(0, 0, 0)))
        page = ReceivedPage(index=len(self.kept), fmt=fmt, data=data, image=image,
                            total_lines=quality.total_lines, bad_lines=quality.bad_lines)
        self.kept.append(page)
        return page

    def discard(self, index: int) -> None:
        self.arrived.pop(index, None)
        self.judged.pop(index, None)

    async def close(self) -> None:
        for task in self.tasks.values():
            if not task.done():
                task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
