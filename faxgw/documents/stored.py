"""A fax's rendered pages on disk: one TIFF Class F, ``pages.tif`` in the fax's directory.

The strips are the pages the workers already coded (MMR, FillOrder 1), so keeping them
costs no second encoding: this module only lays out the TIFF around them (TIFF 6.0
section 11 and the Class F profile: one strip per page, min-is-white, 204 dpi across).
Reading goes through faxgw.g3.tiff, the codec's own reader.
"""

from __future__ import annotations

import os
import struct
import tempfile
from pathlib import Path

from .page import FaxPage

PAGES_FILE = "pages.tif"
STORED_CODING = "MMR"
STORED_ENCODE_OPTIONS = {"bit_order": "msb"}  # TIFF FillOrder 1

_SHORT, _LONG, _RATIONAL, _ASCII = 3, 4, 5, 2
_T6_COMPRESSION, _T4_COMPRESSION = 4, 3
_COMPRESSION_TAG = {"MMR": (_T6_COMPRESSION, 293, 0), "MR": (_T4_COMPRESSION, 292, 1), "MH": (_T4_COMPRESSION, 292, 0)}


def _ifd_entries(page: FaxPage, number: int, total: int, strip_at: int, extra_at: int) -> tuple[bytes, bytes]:
    compression, options_tag, options = _COMPRESSION_TAG[page.coding]
    x_dpi, y_dpi = page.resolution.dpi
    rationals = struct.pack("<IIII", int(x_dpi), 1, int(y_dpi), 1)
    tags = sorted([
        (254, _LONG, 1, struct.pack("<I", 2)),  # NewSubfileType: a page of a document
        (256, _LONG, 1, struct.pack("<I", page.width)),
        (257, _LONG, 1, struct.pack("<I", page.height)),
        (258, _SHORT, 1, struct.pack("<HH", 1, 0)),  # BitsPerSample
        (259, _SHORT, 1, struct.pack("<HH", compression, 0)),
        (262, _SHORT, 1, struct.pack("<HH", 0, 0)),  # min-is-white, as on the fax line
        (266, _SHORT, 1, struct.pack("<HH", 1, 0)),  # FillOrder 1
        (273, _LONG, 1, struct.pack("<I", strip_at)),
        (277, _SHORT, 1, struct.pack("<HH", 1, 0)),  # SamplesPerPixel
        (278, _LONG, 1, struct.pack("<I", page.height)),  # RowsPerStrip
        (279, _LONG, 1, struct.pack("<I", len(page.encoded))),
        (282, _RATIONAL, 1, struct.pack("<I", extra_at)),
        (283, _RATIONAL, 1, struct.pack("<I", extra_at + 8)),
        (options_tag, _LONG, 1, struct.pack("<I", options)),
        (296, _SHORT, 1, struct.pack("<HH", 2, 0)),  # ResolutionUnit: inch
        (297, _SHORT, 2, struct.pack("<HH", number, total)),  # PageNumber
    ])
    entries = b"".join(struct.pack("<HHI", tag, kind, count) + value for tag, kind, count, value in tags)
    return struct.pack("<H", len(tags)) + entries, rationals


def tiff_from_pages(pages: list[FaxPage]) -> bytes:
    """A little-endian multi-page TIFF Class F whose strips are ``page.encoded``."""
    if not pages or any(p.encoded is None or p.coding not in _COMPRESSION_TAG for p in pages):
        raise ValueError("every page must be encoded (MH, MR or MMR) before it is stored")
    out = bytearray(b"II*\x00\x00\x00\x00\x00")
    link_at = 4  # where the offset of the next IFD goes
    for number, page in enumerate(pages):
        strip_at = len(out)
        out += page.encoded + b"\x00" * (len(page.encoded) & 1)  # IFDs start on a word
        ifd_at = len(out)
        struct.pack_into("<I", out, link_at, ifd_at)
        entry_count = 16
        extra_at = ifd_at + 2 + 12 * entry_count + 4
        ifd, extra = _ifd_entries(page, number, len(pages), strip_at, extra_at)
        out += ifd
        link_at = len(out)
        out += b"\x00\x00\x00\x00" + extra
    return bytes(out)


def write_pages(fax_dir: Path, pages: list[FaxPage]) -> Path:
    """Store the pages durably: written beside, fsynced, renamed into place."""
    target = fax_dir / PAGES_FILE
    handle, temporary = tempfile.mkstemp(dir=fax_dir, prefix=".pages.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(tiff_from_pages(pages))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(fax_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return target


def read_pages(path: Path):
    """The stored pages as faxgw.g3.tiff.Page objects (image, x_dpi, y_dpi), decoded."""
    from faxgw.g3.tiff import read_tiff

    return read_tiff(path.read_bytes())
