"""FaxPage: one page as it will be transmitted."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image

from .geometry import Resolution, page_length_mm


@dataclass
class FaxPage:
    """A page at the fax geometry, black and white, header line included.

    ``image`` is Pillow mode "1" (0 black, 255 white), 1728 pixels wide, one row per scan
    line at ``resolution``. ``number`` is 1-based within the fax (the cover page is 1 when
    there is one). ``document`` is the 0-based index of the source document in the request
    (None for the cover page) and ``source_page`` the 1-based page within it. ``treatment``
    says how grey became black and white: threshold, dither, mixed, or passthrough (a fax
    TIFF page kept as it was). ``encoded`` holds the page coded with faxgw.g3 when the
    render options asked for a coding (``coding``), else None.
    """

    image: Image.Image
    resolution: Resolution
    number: int
    document: int | None
    source_page: int
    treatment: str
    coding: str | None = None
    encoded: bytes | None = field(default=None, repr=False)

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height

    @property
    def is_cover(self) -> bool:
        return self.document is None

    @property
    def length_mm(self) -> float:
        return page_length_mm(self.height, self.resolution)

    def to_png(self, square_pixels: bool = False) -> bytes:
        """PNG of the page. Pixels are stored as transmitted (one row per scan line) with the
        fax dpi recorded; ``square_pixels`` stretches rows so a plain viewer shows true
        proportions (at standard resolution a row is twice as tall as a pixel is wide)."""
        image = self.image
        dpi = self.resolution.dpi
        if square_pixels and dpi[0] != dpi[1]:
            height = round(image.height * dpi[0] / dpi[1])
            image = image.resize((image.width, height), Image.Resampling.NEAREST)
            dpi = (dpi[0], dpi[0])
        out = io.BytesIO()
        image.save(out, "PNG", dpi=dpi, optimize=False)
        return out.getvalue()
