"""A fax's pages for a call: the documents service renders them once (in the background
after the 201, or now if that has not happened yet) and keeps them as ``pages.tif`` in the
fax's folder; a call sends the pages the receiver has not confirmed, each coded for the
format that call negotiated (``faxgw.documents.sending.StoredPages``, in worker threads),
with the header line drawn as the page is coded: the time on it is the time it is sent.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from pathlib import Path

from PIL import Image

from faxgw.documents import HeaderLine, RenderOptions
from faxgw.documents.sending import StoredPages
from faxgw.documents.service import FaxDocuments, options_for
from faxgw.scheduler.encoding import PageEncoder
from faxgw.store import Claim


class PageStore:
    def __init__(self, state_dir: Path, documents: FaxDocuments,
                 encoder: PageEncoder | None = None) -> None:
        self.state_dir = state_dir
        self.documents = documents
        self.encoder = encoder  # None: code pages in the session's threads
        # The header line of each prepared fax, by its pages.tif, for source() (a fax is in
        # one call at a time; the bound only keeps a long-running daemon small).
        self._headers: OrderedDict[Path, HeaderLine | None] = OrderedDict()

    async def prepare(self, claim: Claim, cover_page: str | None) -> tuple[Path, int]:
        """``pages.tif`` of the fax (rendered if need be) and its page count."""
        paths = [self.state_dir / d.path for d in claim.documents]
        fax_dir = paths[0].parent  # documents are kept in the fax's own folder
        path = await self.documents.prepare(fax_dir, paths, render_options(claim, cover_page))
        self._headers[path] = header_line(self.documents, claim, cover_page)
        self._headers.move_to_end(path)
        while len(self._headers) > _HEADERS_KEPT:
            self._headers.popitem(last=False)
        return path, await asyncio.to_thread(_count, path)

    def source(self, path: Path, numbers: list[int]):
        """The pages numbered ``numbers`` (1-based, in order) as the session's PageSource,
        with the header line of the fax prepared as ``path``. Reads the TIFF's page table:
        call it in a thread."""
        header = self._headers.get(path)
        if self.encoder is not None:
            return self.encoder.source(path, numbers, header)
        return StoredPages(path, only=[n - 1 for n in numbers], header=header)


_HEADERS_KEPT = 1024


def render_options(claim: Claim, cover_page: str | None) -> RenderOptions:
    """How the fax's stored fields become pages: exactly as the API's preview reads them."""
    cover = None if cover_page is None else json.loads(cover_page)
    return options_for(claim.resolution, cover)


def header_line(documents: FaxDocuments, claim: Claim, cover_page: str | None) -> HeaderLine | None:
    """The fax's header line: exactly as the API's preview draws it."""
    cover = None if cover_page is None else json.loads(cover_page)
    return documents.header_for(claim.phone_number, claim.header_line, cover)


_options = render_options  # the name the documents tests guard the preview with


def _count(path: Path) -> int:
    with Image.open(path) as tiff:
        return getattr(tiff, "n_frames", 1)
