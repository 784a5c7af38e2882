"""Page data for a Class 1 session, kept off the event loop.

``PagePipeline`` encodes the pages to send for the negotiated format in worker threads,
one page ahead of the line; ``ReceivedPages`` decodes received pages in worker threads
while the runner is already listening for the post-page command.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from faxgw import pagefit
from faxgw.session import (WIDTH_A4_PX, Coding, PageFormat, PageReceivedCallback, PageSource,
                           ReceivedPage, Resolution)
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

    def warm_up(self) -> None:
        """Decode an empty page in a thread: the codec's first use in a process is slow,
        and must not fall between a post-page command and our answer to it."""
        warm_up = getattr(self.decoder, "warm_up", None)  # every coding (MMR too, for ECM)
        if warm_up is not None:
            self.tasks[-1] = asyncio.ensure_future(asyncio.to_thread(warm_up))
            return
        fmt = PageFormat(Coding.MH, Resolution.FINE, WIDTH_A4_PX, 0, 14400)
        self.tasks[-1] = asyncio.ensure_future(asyncio.to_thread(self.decoder.decode, b"", fmt))

    def start_decode(self, index: int, data: bytes, fmt: PageFormat) -> None:
        self.arrived[index] = (data, fmt)
        self.tasks[index] = asyncio.ensure_future(
            asyncio.to_thread(self.decoder.decode, data, fmt))

    async def ready(self, index: int, timeout_s: float) -> bool:
        """Whether page ``index`` is decoded within ``timeout_s`` (the decode goes on)."""
        done, _ = await asyncio.wait({self.tasks[index]}, timeout=timeout_s)
        return bool(done)

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


# --- the G3 codec behind those interfaces -----------------------------------------------

class ImagePages:
    """``PageSource`` over mode "1" images (0 black) rendered at ``resolution``: encoded
    with ``faxgw.g3`` for the negotiated format, resampled when the receiver cannot take
    the document's resolution (pairs of lines ORed, so thin strokes survive), cut or
    padded with white to the agreed width."""

    def __init__(self, images: list[Any], resolution: Resolution,
                 width_px: int = WIDTH_A4_PX) -> None:
        self.images, self.resolution, self.width_px = images, resolution, width_px
        self.page_count = len(images)

    def encode(self, index: int, fmt: PageFormat) -> bytes:
        from faxgw import g3

        image = fit_page(self.images[index], self.resolution, fmt)
        return g3.encode(image, fmt.coding.value, resolution=fmt.resolution.value,
                         min_scan_ms=fmt.min_scan_ms, bit_rate=fmt.bit_rate)


def fit_page(image: Any, resolution: Resolution, fmt: PageFormat) -> Any:
    """The page image at the format's resolution and width (the one fitter, faxgw.pagefit)."""
    return pagefit.fit_page(image, resolution, fmt.resolution, fmt.width_px)


def received_tiff(pages: list[ReceivedPage]) -> bytes:
    """The accepted pages as one TIFF Class F (MH, byte-aligned EOLs, as Class F asks)."""
    from faxgw.g3.tiff import Page, write_tiff

    return write_tiff([Page(p.image, *p.fmt.resolution.dpi) for p in pages
                       if p.image is not None], "MH")
