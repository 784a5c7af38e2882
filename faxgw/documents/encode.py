"""The thin seam to the G3 codec (faxgw.g3): pages in, coded bytes out.

Imported lazily so that rendering works, and is tested, without the codec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .page import FaxPage

CODINGS = ("MH", "MR", "MMR")


def codec():
    """The faxgw.g3 module, or a clear error when this build has no codec."""
    try:
        import faxgw.g3 as g3
    except ModuleNotFoundError as exc:
        if exc.name not in ("faxgw.g3",):
            raise
        raise RuntimeError("the G3 codec (faxgw.g3) is not part of this build") from None
    return g3


def codec_available() -> bool:
    try:
        codec()
    except RuntimeError:
        return False
    return True


def normalise_coding(coding: str) -> str:
    upper = coding.upper()
    if upper not in CODINGS:
        raise ValueError(f"unknown coding {coding!r}: use MH, MR or MMR")
    return upper


def encode_page(page: "FaxPage", coding: str, rows=None, **options) -> bytes:
    """The page coded as ``coding`` by faxgw.g3 (options passed through). ``rows``: the
    page's pixels already packed (see binarize.packed_rows), which spares reading them back
    out of the Pillow image (a quarter of a text page's time)."""
    if rows is not None:
        return codec().encode_rows(rows, page.width, normalise_coding(coding), **options)
    return codec().encode(page.image, normalise_coding(coding), **options)


def write_tiff_class_f(pages: "list[FaxPage]", coding: str = "MH") -> bytes:
    """A multi-page TIFF Class F of the pages, strips coded by faxgw.g3."""
    codec()  # a clear error when the build has no codec
    from faxgw.g3.tiff import Page, write_tiff

    tiff_pages = [Page(page.image, *page.resolution.dpi) for page in pages]
    return write_tiff(tiff_pages, normalise_coding(coding))
