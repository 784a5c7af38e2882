"""The daemon's view of documents: validate at submit, render once, keep, serve, send.

    docs = FaxDocuments()                                  # at start; the pool starts lazily
    infos = await docs.validate(paths)                     # submit: DocumentError -> 4xx
    path = await docs.prepare(fax_dir, paths, options)     # before the first attempt, or a preview
    header = docs.header_for(phone, headerLine, coverPage) # the fax's header line
    png = await docs.page_png(fax_dir, n, ..., header)     # GET /fax/{id}/pages/{n}
    source = StoredPages(path, header=header)              # the session's PageSource

``prepare`` is idempotent: pages already on disk are used as they are, and a fax being
rendered is awaited rather than rendered twice. Nothing is rendered at submit time (only
checked): rendering every submission at once would take a core from the API during a burst,
and the pages are needed only before the first attempt or for a preview.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from .errors import DocumentError, ErrorCode
from .geometry import Resolution
from .header import stamped
from .options import CoverPage, HeaderLine, Limits, RenderOptions
from .renderer import Renderer
from .stored import PAGES_FILE, STORED_CODING, STORED_ENCODE_OPTIONS, read_pages, write_pages
from .validate import DocumentInfo, inspect_all

# coverPage JSON keys (the API takes a free JSON object) to CoverPage fields; the same
# reading as the scheduler's, so that a preview is the page that is sent.
COVER_KEYS = {"to": "to", "toNumber": "to_number", "from": "sender", "sender": "sender",
              "fromNumber": "sender_number", "senderNumber": "sender_number",
              "subject": "subject", "message": "message"}


def header_for(template: HeaderLine | None, phone_number: str, header_line: str | None,
               cover_page: Mapping[str, Any] | None) -> HeaderLine | None:
    """The header line of one fax: the configured sender (``template``, None when the
    operator turned the header off) with what the send request says of its sender.

    ``coverPage`` from/fromNumber (the sender the cover names) replace the configured name
    and number. ``headerLine`` (the client's literal text: braces are not fields) is the
    whole sender identity, in place of name and number; date, time and "page n of N" are
    still printed around it, since a fax machine prints them and US law asks for them.
    A headerLine prints even when the operator turned the header off.
    """
    if template is None and not header_line:
        return None
    header = template or HeaderLine()
    cover = cover_for(cover_page)
    if cover is not None:
        header = replace(header, sender_name=cover.sender or header.sender_name,
                         sender_number=cover.sender_number or header.sender_number)
    if header_line:
        header = replace(header, sender_name=header_line, sender_number="")
    return replace(header, recipient_number=phone_number)


def cover_for(cover_page: Mapping[str, Any] | None) -> CoverPage | None:
    if cover_page is None:
        return None
    return CoverPage(**{COVER_KEYS[key]: str(value) for key, value in cover_page.items() if key in COVER_KEYS})


def options_for(resolution: str, cover_page: Mapping[str, Any] | None,
                limits: Limits = Limits()) -> RenderOptions:
    """Render options from a fax's stored fields; the pages are kept as MMR strips, without
    the header line (drawn when a page is sent or previewed: see header_for)."""
    return RenderOptions(resolution=Resolution(resolution), cover=cover_for(cover_page), limits=limits,
                         coding=STORED_CODING, encode_options=tuple(STORED_ENCODE_OPTIONS.items()))


def inspect_files(paths: list[Path], limits: Limits) -> list[DocumentInfo]:
    """Worker side of validate: the worker reads the files, the daemon ships only names."""
    return inspect_all([Path(p).read_bytes() for p in paths], limits)


def stored_page_png(pages_path: Path, number: int, header: HeaderLine | None = None) -> bytes:
    """Worker side of page_png: page ``number`` (1-based) decoded from what is kept, with
    the header line it would get if it were sent now."""
    pages = read_pages(Path(pages_path))
    if not 1 <= number <= len(pages):
        raise IndexError(number)
    page = pages[number - 1]
    image = page.image
    if header is not None:
        resolution = Resolution.nearest(page.y_dpi)
        image = stamped(image, header, number, len(pages), resolution)
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(page.x_dpi, page.y_dpi))
    return out.getvalue()


class FaxDocuments:
    def __init__(self, limits: Limits = Limits(), workers: int | None = None,
                 header: HeaderLine | None = None):
        """``header``: the configured header line (sender name and number, format) that every
        fax starts from; None prints none unless a fax brings a headerLine."""
        self.limits = limits
        self.header = header
        self._workers = workers
        self._renderer: Renderer | None = None
        self._rendering: dict[Path, asyncio.Future] = {}
        self._warming: asyncio.Future | None = None

    @property
    def renderer(self) -> Renderer:
        # Started on first use: an API that never sees a document pays nothing.
        if self._renderer is None:
            self._renderer = Renderer(workers=self._workers)
        return self._renderer

    def warm_up_soon(self) -> None:
        """Start the workers now, in the background (daemon start): the first submit then
        does not wait for process start, imports and the codec's compiled kernels."""
        self._warming = asyncio.ensure_future(asyncio.to_thread(self.renderer.warm_up))

    async def validate(self, paths: list[Path]) -> list[DocumentInfo]:
        return await self.renderer.pool.run(inspect_files, [Path(p) for p in paths], self.limits)

    async def prepare(self, fax_dir: Path, paths: list[Path], options: RenderOptions) -> Path:
        """pages.tif of the fax, rendering it first if it is not there yet."""
        target = Path(fax_dir) / PAGES_FILE
        if target in self._rendering:
            return await asyncio.shield(self._rendering[target])
        if target.exists():
            return target
        future = asyncio.ensure_future(self._render_and_keep(Path(fax_dir), paths, options))
        self._rendering[target] = future
        future.add_done_callback(lambda _: self._rendering.pop(target, None))
        return await asyncio.shield(future)

    async def _render_and_keep(self, fax_dir: Path, paths: list[Path], options: RenderOptions) -> Path:
        documents = await asyncio.to_thread(lambda: [Path(p).read_bytes() for p in paths])
        pages = await self.renderer.render(documents, options)
        return await asyncio.to_thread(write_pages, fax_dir, pages)

    def header_for(self, phone_number: str, header_line: str | None,
                   cover_page: Mapping[str, Any] | None) -> HeaderLine | None:
        """The header line of a fax with these fields (see the module's header_for)."""
        return header_for(self.header, phone_number, header_line, cover_page)

    async def page_png(self, fax_dir: Path, number: int, paths: list[Path], options: RenderOptions,
                       header: HeaderLine | None = None) -> bytes:
        """PNG of page ``number`` as it would be transmitted now, ``header`` line included;
        IndexError when there is none."""
        target = await self.prepare(fax_dir, paths, options)
        return await self.renderer.pool.run(stored_page_png, target, number, header)

    async def close(self) -> None:
        if self._warming is not None:
            await asyncio.gather(self._warming, return_exceptions=True)
        pending = list(self._rendering.values())
        for future in pending:
            future.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if self._renderer is not None:
            await asyncio.to_thread(self._renderer.close)


__all__ = ["FaxDocuments", "header_for", "options_for", "DocumentError", "ErrorCode"]
