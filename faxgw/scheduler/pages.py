"""A fax's pages for a call: the documents service renders them once (in the background
after the 201, or now if that has not happened yet) and keeps them as ``pages.tif`` in the
fax's folder; a call sends the pages the receiver has not confirmed, each coded for the
format that call negotiated (``faxgw.documents.sending.StoredPages``, in worker threads).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from faxgw.documents import RenderOptions
from faxgw.documents.sending import StoredPages
from faxgw.documents.service import FaxDocuments, options_for
from faxgw.session import WIDTH_A4_PX
from faxgw.store import Claim

if TYPE_CHECKING:
    from faxgw.scheduler.encoding import PageEncoder


class PageStore:
    def __init__(self, state_dir: Path, documents: FaxDocuments,
                 encoder: "PageEncoder | None" = None) -> None:
        self.state_dir = state_dir
        self.documents = documents
        self.encoder = encoder  # None: code pages in the session's threads

    async def prepare(self, claim: Claim, cover_page: str | None) -> tuple[Path, int]:
        """``pages.tif`` of the fax (rendered if need be) and its page count."""
        paths = [self.state_dir / d.path for d in claim.documents]
        fax_dir = paths[0].parent  # documents are kept in the fax's own folder
        path = await self.documents.prepare(fax_dir, paths, render_options(claim, cover_page))
        return path, await asyncio.to_thread(_count, path)

    def source(self, path: Path, numbers: list[int]):
        """The pages numbered ``numbers`` (1-based, in order) as the session's PageSource.
        Reads the TIFF's page table: call it in a thread."""
        if self.encoder is not None:
            return self.encoder.source(path, numbers)
        return StoredPages(path, only=[n - 1 for n in numbers])


def render_options(claim: Claim, cover_page: str | None) -> RenderOptions:
    """How the fax's stored fields become pages: exactly as the API's preview reads them."""
    cover = None if cover_page is None else json.loads(cover_page)
    return options_for(claim.resolution, claim.header_line, cover)


_options = render_options  # the name the documents tests guard the preview with


def _count(path: Path) -> int:
    with Image.open(path) as tiff:
        return getattr(tiff, "n_frames", 1)


def warm_up_codec() -> None:
    """Compile/load the codec's kernels now (numba): a first encode during a call can take
    longer than the receiver waits for the page (T.30 T2)."""
    import faxgw.g3 as g3

    blank = Image.new("1", (WIDTH_A4_PX, 8), 1)
    for coding in ("MH", "MR", "MMR"):
        g3.decode(g3.encode(blank, coding), WIDTH_A4_PX, coding)
