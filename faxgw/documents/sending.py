"""The stored pages as a ``faxgw.session.PageSource``: what a fax session sends.

The pages were rendered once, before the first attempt, at the resolution the client asked
for, without the header line. At dial time the receiver's DIS decides the coding, resolution and scan-line time, so
each page is decoded from ``pages.tif`` and coded again for exactly that (T.4 4.1.2 fill,
LSB first as the modem sends). A receiver that cannot print the asked resolution gets the
page at one it can: rows merged (black wins, so thin horizontal lines survive) or repeated.
The header line (date and time, sender, "page n of N") is drawn then, at the negotiated
resolution, so it shows when the page was really sent, also on a retry hours later.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Callable

from PIL import Image

from faxgw.pagefit import fit_width, rescale_rows
from faxgw.pageformat import Resolution
from faxgw.session import PageFormat

from .encode import codec
from .geometry import LINE_WIDTH_PX
from .header import stamped
from .options import HeaderLine


class StoredPages:
    """Pages of ``pages.tif``; ``only`` picks stored pages (0-based) for a resend, in order.
    With ``header``, each page gets its header line as it is coded: "page n of N" counts
    the stored pages (a resent page 4 is still "4 of 5"), the time is the time of coding.

    Construction reads the TIFF's page table only; decoding happens in ``encode``, which
    the session calls from worker threads.
    """

    def __init__(self, path: Path, only: list[int] | None = None, header: HeaderLine | None = None,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now().astimezone()):
        self.path = Path(path)
        with Image.open(self.path) as tiff:
            stored = getattr(tiff, "n_frames", 1)
            y_dpi = float(tiff.info.get("dpi", (204, 196))[1])
        self.stored_count = stored
        self.header, self.clock = header, clock
        self._indices = list(range(stored)) if only is None else list(only)
        if not self._indices or any(not 0 <= i < stored for i in self._indices):
            raise ValueError(f"pages {only} are not all among the {stored} stored pages")
        self.resolution = Resolution.nearest(y_dpi)
        self.width_px = LINE_WIDTH_PX
        self._images: list[Image.Image] | None = None
        self._lock = threading.Lock()

    @property
    def page_count(self) -> int:
        return len(self._indices)

    def image(self, index: int) -> Image.Image:
        """The page as stored (decoded by faxgw.g3), 0-based among the pages sent."""
        with self._lock:
            if self._images is None:
                from .stored import read_pages

                self._images = [page.image for page in read_pages(self.path)]
        return self._images[self._indices[index]]

    def encode(self, index: int, fmt: PageFormat) -> bytes:
        return self.code_page(index, fmt, self.header)

    def code_page(self, index: int, fmt: PageFormat, header: HeaderLine | None) -> bytes:
        """Page ``index`` coded for ``fmt``, with ``header`` drawn now (None: none)."""
        image = rescale_rows(self.image(index), self.resolution, fmt.resolution)
        if header is not None:
            image = stamped(image, header, self._indices[index] + 1, self.stored_count,
                            fmt.resolution, self.clock())
        image = fit_width(image, fmt.width_px)
        coding = fmt.coding.value
        options = {"resolution": fmt.resolution.value, "bit_order": "lsb"}
        if coding != "MMR":
            options.update(min_scan_ms=fmt.min_scan_ms, bit_rate=fmt.bit_rate)
        return codec().encode(image, coding, **options)
