"""FaxPage: one page as it will be transmitted."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from .geometry import Resolution, page_length_mm


class FaxPage:
    """A page at the fax geometry, black and white, header line included.

    ``image`` is Pillow mode "1" (0 black, 255 white), 1728 pixels wide, one row per scan
    line at ``resolution``. ``number`` is 1-based within the fax (the cover page is 1 when
    there is one). ``document`` is the 0-based index of the source document in the request
    (None for the cover page) and ``source_page`` the 1-based page within it. ``treatment``
    says how grey became black and white: threshold, dither, mixed, or passthrough (a fax
    TIFF page kept as it was). ``encoded`` holds the page coded with faxgw.g3 as ``coding``
    (with ``encode_options``, e.g. the bit order) when the render options asked for one,
    else None.

    Pages cross the process-pool boundary as their coded data when they have it, else as
    packed bits (Pillow's own pickling of a mode "1" image costs 12x more); the Pillow image
    is rebuilt only when someone looks.
    """

    def __init__(self, image: Image.Image, resolution: Resolution, number: int,
                 document: int | None, source_page: int, treatment: str,
                 coding: str | None = None, encoded: bytes | None = None,
                 encode_options: dict | None = None):
        if image.mode != "1":
            raise ValueError(f"a fax page is a mode '1' image, not {image.mode!r}")
        self._image: Image.Image | None = image
        self._packed: bytes | None = None
        self.size = image.size
        self.resolution = Resolution(resolution)
        self.number = number
        self.document = document
        self.source_page = source_page
        self.treatment = treatment
        self.coding = coding
        self.encoded = encoded
        self.encode_options = dict(encode_options or {})

    @property
    def image(self) -> Image.Image:
        if self._image is None:
            self._image = self._decoded() if self._packed is None else \
                Image.frombytes("1", self.size, self._packed)
        return self._image

    def _decoded(self) -> Image.Image:
        from .encode import codec

        bit_order = self.encode_options.get("bit_order", "lsb")
        image, _ = codec().decode(self.encoded, self.width, self.coding, bit_order=bit_order)
        return image

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_image"] = None
        if self.encoded is not None:
            # The coded page is the page (20-40 KB, not 500): send only that; the image is
            # decoded again only if someone looks at it.
            state["_packed"] = None
        elif state["_packed"] is None:
            # Same bytes as image.tobytes() for mode "1" (MSB first, 1 = white), 10x faster.
            state["_packed"] = np.packbits(np.asarray(self._image)).tobytes()
        return state

    @property
    def width(self) -> int:
        return self.size[0]

    @property
    def height(self) -> int:
        return self.size[1]

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
        image.save(out, "PNG", dpi=dpi)
        return out.getvalue()

    def __repr__(self) -> str:
        return (f"FaxPage(number={self.number}, document={self.document}, source_page={self.source_page}, "
                f"size={self.size}, resolution={self.resolution.value}, treatment={self.treatment!r})")
