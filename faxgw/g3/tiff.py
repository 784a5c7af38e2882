"""Multi-page TIFF Class F (TIFF 6.0 Section 11 with the Class F profile): write pages whose
strips come from our own encoder, and read such files (ours, libtiff's, ghostscript's, a
fax machine's) with our own decoder.

    write_tiff(pages, coding="MH", *, fill_order=1, align_eol=True, k=None, **encode_options)
    read_tiff(data) -> list[Page]
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from PIL import Image

from faxgw.pageformat import X_DPI, Resolution

from .codec import DEFAULT_MAX_LINES, MAX_WIDTH, DecodeReport, decode_strips, encode
from .errors import G3Error

# TIFF tags used here (TIFF 6.0 Section 8, 11; TIFF Class F).
NEW_SUBFILE_TYPE, IMAGE_WIDTH, IMAGE_LENGTH, BITS_PER_SAMPLE, COMPRESSION = 254, 256, 257, 258, 259
PHOTOMETRIC, FILL_ORDER, STRIP_OFFSETS, SAMPLES_PER_PIXEL = 262, 266, 273, 277
ROWS_PER_STRIP, STRIP_BYTE_COUNTS, X_RESOLUTION, Y_RESOLUTION = 278, 279, 282, 283
T4_OPTIONS, T6_OPTIONS, RESOLUTION_UNIT, PAGE_NUMBER, SOFTWARE = 292, 293, 296, 297, 305
BAD_FAX_LINES, CLEAN_FAX_DATA, CONSECUTIVE_BAD_FAX_LINES = 326, 327, 328

SHORT, LONG, RATIONAL, ASCII = 3, 4, 5, 2
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
TYPE_FORMATS = {1: "B", 2: "B", 3: "H", 4: "I", 6: "b", 7: "B", 8: "h", 9: "i"}
COMPRESSION_T4, COMPRESSION_T6 = 3, 4
T4_2D, T4_UNCOMPRESSED, T4_FILL = 1, 2, 4  # T4Options bits
MAX_PAGES = 1000


@dataclass
class Page:
    """One fax page: a Pillow mode "1" image and its resolution in dots per inch.

    Fax resolutions are 204 x 98 (standard), 204 x 196 (fine), 204 x 391 (superfine).
    `report` is the decoder's report when the page was read from a file, else None; when
    a page with a report is written, its bad-line counts go into the Class F tags.
    """

    image: Image.Image
    x_dpi: float = X_DPI
    y_dpi: float = Resolution.FINE.y_dpi
    report: DecodeReport | None = field(default=None, compare=False)

    @property
    def resolution(self) -> str:
        """"standard", "fine" or "superfine", the nearest fax vertical resolution."""
        return Resolution.nearest(self.y_dpi).value


def _rational(value: float) -> tuple[int, int]:
    denominator = 1 if float(value).is_integer() else 100
    return round(value * denominator), denominator


def _page_tags(page: Page, coding: str, fill_order: int, align_eol: bool, number: int,
               total: int) -> list[tuple[int, int, list]]:
    width, height = page.image.size
    if coding == "MMR":
        compression, options_tag, options = COMPRESSION_T6, T6_OPTIONS, 0
    else:
        compression, options_tag = COMPRESSION_T4, T4_OPTIONS
        options = (T4_2D if coding == "MR" else 0) | (T4_FILL if align_eol else 0)
    tags = [
        (NEW_SUBFILE_TYPE, LONG, [2]),  # a page of a multi-page document
        (IMAGE_WIDTH, LONG, [width]),
        (IMAGE_LENGTH, LONG, [height]),
        (BITS_PER_SAMPLE, SHORT, [1]),
        (COMPRESSION, SHORT, [compression]),
        (PHOTOMETRIC, SHORT, [0]),  # min-is-white: a 0 bit is white, as on the fax line
        (FILL_ORDER, SHORT, [fill_order]),
        (STRIP_OFFSETS, LONG, [0]),  # patched when the layout is known
        (SAMPLES_PER_PIXEL, SHORT, [1]),
        (ROWS_PER_STRIP, LONG, [height]),
        (STRIP_BYTE_COUNTS, LONG, [0]),
        (X_RESOLUTION, RATIONAL, [_rational(page.x_dpi)]),
        (Y_RESOLUTION, RATIONAL, [_rational(page.y_dpi)]),
        (options_tag, LONG, [options]),
        (RESOLUTION_UNIT, SHORT, [2]),  # inch
        (PAGE_NUMBER, SHORT, [number, total]),
        (SOFTWARE, ASCII, [b"faxgw\0"]),
    ]
    if page.report is not None:
        clean = 0 if page.report.bad_lines == 0 else 1  # 1: bad lines were regenerated
        tags += [(BAD_FAX_LINES, LONG, [page.report.bad_lines]),
                 (CLEAN_FAX_DATA, SHORT, [clean]),
                 (CONSECUTIVE_BAD_FAX_LINES, LONG, [page.report.longest_bad_run])]
    return sorted(tags)


def _pack_value(kind: int, values: list) -> bytes:
    if kind == RATIONAL:
        return b"".join(struct.pack("<II", n, d) for n, d in values)
    if kind == ASCII:
        return values[0]
    return struct.pack("<" + TYPE_FORMATS[kind] * len(values), *values)


def _pack_ifd(tags, ifd_offset: int, strip_offset: int, strip_size: int) -> bytes:
    """The IFD at ifd_offset, values too long for an entry right after it; next IFD 0."""
    entries, extra = [], b""
    extra_offset = ifd_offset + 2 + 12 * len(tags) + 4
    for tag, kind, values in tags:
        if tag == STRIP_OFFSETS:
            values = [strip_offset]
        elif tag == STRIP_BYTE_COUNTS:
            values = [strip_size]
        payload = _pack_value(kind, values)
        count = len(payload) if kind == ASCII else len(values)
        if len(payload) <= 4:
            field_bytes = payload.ljust(4, b"\0")
        else:
            field_bytes = struct.pack("<I", extra_offset + len(extra))
            extra += payload + b"\0" * (len(payload) & 1)  # keep word alignment
        entries.append(struct.pack("<HHI", tag, kind, count) + field_bytes)
    return struct.pack("<H", len(tags)) + b"".join(entries) + b"\0\0\0\0" + extra


def write_tiff(pages, coding: str = "MH", *, fill_order: int = 1, align_eol: bool = True,
               k: int | None = None, **encode_options) -> bytes:
    """A little-endian multi-page TIFF Class F, one strip per page, coded by faxgw.g3.

    pages: Page objects or bare mode "1" images (taken as 204 x 196 dpi, fine).
    coding: "MH" (Compression 3), "MR" (Compression 3, T4Options 2-D bit) or "MMR"
        (Compression 4).
    fill_order: 1 (first bit in the most significant bit; what every reader supports) or 2.
    align_eol: MH/MR, byte-aligned EOLs (T4Options bit 2), as Class F recommends.
    k: MR K factor; default 2 for standard pages, 4 for finer ones (T.4 4.2.1.3.1).
    encode_options: passed on to faxgw.g3.encode (min_scan_ms, bit_rate, end_of_page);
        bit_order follows fill_order.
    Each strip starts with EOL and ends with RTC (EOFB for MMR), as libtiff writes them.
    """
    pages = [p if isinstance(p, Page) else Page(p) for p in pages]
    if not pages:
        raise G3Error("a TIFF needs at least one page")
    if fill_order not in (1, 2):
        raise G3Error(f"fill_order must be 1 or 2, not {fill_order!r}")
    out = bytearray(b"II*\0\0\0\0\0")
    previous_link = 4  # where the offset of the next IFD goes
    for number, page in enumerate(pages):
        options = dict(encode_options, bit_order="msb" if fill_order == 1 else "lsb")
        if coding != "MMR":
            options["align_eol"] = align_eol
        if coding == "MR":
            options["k"] = k if k is not None else (2 if page.resolution == "standard" else 4)
        strip = encode(page.image, coding, **options)
        strip_offset = len(out)
        out += strip + b"\0" * (len(strip) & 1)
        ifd_offset = len(out)
        struct.pack_into("<I", out, previous_link, ifd_offset)
        tags = _page_tags(page, coding, fill_order, align_eol, number, len(pages))
        out += _pack_ifd(tags, ifd_offset, strip_offset, len(strip))
        previous_link = ifd_offset + 2 + 12 * len(tags)
    return bytes(out)


class _Reader:
    """Bounds-checked access to a TIFF's bytes; every failure is a G3Error."""

    def __init__(self, data: bytes):
        self.data = bytes(data)
        if self.data[:4] == b"II*\0":
            self.order = "<"
        elif self.data[:4] == b"MM\0*":
            self.order = ">"
        else:
            raise G3Error("not a TIFF file (no II*/MM* header)")

    def unpack(self, fmt: str, offset: int) -> tuple:
        size = struct.calcsize(self.order + fmt)
        if offset < 0 or offset + size > len(self.data):
            raise G3Error(f"TIFF is truncated: needs bytes {offset}..{offset + size}")
        return struct.unpack_from(self.order + fmt, self.data, offset)

    def ifd(self, offset: int) -> tuple[dict[int, list], int]:
        (count,) = self.unpack("H", offset)
        tags = {}
        for i in range(count):
            tag, kind, n, field_value = self.unpack("HHI4s", offset + 2 + 12 * i)
            if kind in TYPE_SIZES and n <= 1 << 20:
                tags[tag] = self._values(kind, n, offset + 2 + 12 * i + 8)
        (next_offset,) = self.unpack("I", offset + 2 + 12 * count)
        return tags, next_offset

    def _values(self, kind: int, n: int, field_at: int) -> list:
        size = TYPE_SIZES[kind] * n
        at = field_at if size <= 4 else self.unpack("I", field_at)[0]
        if kind in (RATIONAL, 10):
            pairs = self.unpack(("I" if kind == RATIONAL else "i") * 2 * n, at)
            return [pairs[i] / pairs[i + 1] if pairs[i + 1] else 0.0 for i in range(0, 2 * n, 2)]
        if kind in (11, 12):
            return list(self.unpack(("f" if kind == 11 else "d") * n, at))
        return list(self.unpack(TYPE_FORMATS[kind] * n, at))

    def strip(self, offset: int, size: int) -> bytes:
        """The strip's bytes, cut short where the file is: a truncated file still yields
        its first lines, and the decoder reports the missing ones as bad."""
        if offset < 0 or size < 0:
            raise G3Error(f"TIFF strip has a negative offset or size ({offset}, {size})")
        return self.data[offset : offset + size]


def _integers(tags: dict, tag: int) -> list[int] | None:
    """A tag's values as non-negative integers; G3Error when a damaged file gives the tag
    another type (floats, negative numbers)."""
    values = tags.get(tag)
    if values is None:
        return None
    if not all(isinstance(v, int) and v >= 0 for v in values):
        raise G3Error(f"TIFF tag {tag} does not hold non-negative integers")
    return values


def _first(tags: dict, tag: int, default=None):
    values = _integers(tags, tag)
    return values[0] if values else default


def _coding_of(tags: dict) -> str:
    compression = _first(tags, COMPRESSION, 1)
    if compression == COMPRESSION_T6:
        return "MMR"
    if compression != COMPRESSION_T4:
        raise G3Error(f"TIFF compression {compression} is not fax (3 = T.4 or 4 = T.6)")
    options = _first(tags, T4_OPTIONS, 0)
    if options & T4_UNCOMPRESSED:
        raise G3Error("TIFF uses T.4 uncompressed mode, which is not supported")
    return "MR" if options & T4_2D else "MH"


def _resolution(tags: dict) -> tuple[float, float]:
    per_cm = _first(tags, RESOLUTION_UNIT, 2) == 3
    scale = 2.54 if per_cm else 1.0
    x = (tags.get(X_RESOLUTION) or [X_DPI])[0] * scale
    y = (tags.get(Y_RESOLUTION) or [Resolution.FINE.y_dpi])[0] * scale
    if not 0 < x < 10_000 or not 0 < y < 10_000:
        raise G3Error(f"TIFF page has an unusable resolution {x} x {y} dpi")
    return round(x, 1), round(y, 1)


def _read_page(reader: _Reader, tags: dict) -> Page:
    width, height = _first(tags, IMAGE_WIDTH), _first(tags, IMAGE_LENGTH)
    if not width or not height or width > MAX_WIDTH or height > DEFAULT_MAX_LINES:
        raise G3Error(f"TIFF page has an unusable size {width}x{height}")
    if _first(tags, BITS_PER_SAMPLE, 1) != 1 or _first(tags, SAMPLES_PER_PIXEL, 1) != 1:
        raise G3Error("TIFF page is not bilevel (BitsPerSample and SamplesPerPixel must be 1)")
    coding = _coding_of(tags)
    bit_order = "lsb" if _first(tags, FILL_ORDER, 1) == 2 else "msb"
    offsets, sizes = _integers(tags, STRIP_OFFSETS), _integers(tags, STRIP_BYTE_COUNTS)
    if not offsets or not sizes or len(offsets) != len(sizes):
        raise G3Error("TIFF page has no usable StripOffsets/StripByteCounts")
    rows_per_strip = min(_first(tags, ROWS_PER_STRIP, height) or height, height)
    strips, rows = [], []
    for top in range(0, height, rows_per_strip):
        index = top // rows_per_strip
        # Fewer strips than the page needs: the rest decodes as empty (white, bad) lines.
        strip = reader.strip(offsets[index], sizes[index]) if index < len(offsets) else b""
        strips.append(strip)
        rows.append(min(rows_per_strip, height - top))
    min_is_black = _first(tags, PHOTOMETRIC, 0) == 1  # a 1 bit in the data is white
    image, report = decode_strips(strips, rows, width, coding, bit_order=bit_order,
                                  min_is_black=min_is_black)
    x_dpi, y_dpi = _resolution(tags)
    return Page(image, x_dpi, y_dpi, report)


def read_tiff(data: bytes) -> list[Page]:
    """Every page of a TIFF whose pages are T.4 (Compression 3) or T.6 (Compression 4).

    Honours FillOrder, PhotometricInterpretation (0 min-is-white as Class F says; 1 is
    inverted so the picture is right), multiple strips and ResolutionUnit (inch or cm).
    A page's `report` sums the strips' decode reports (longest_bad_run is the longest within
    one strip). Raises G3Error for a file that is not such a TIFF; damaged coding inside a
    strip is repaired and reported, not raised.
    """
    reader = _Reader(data)
    (offset,) = reader.unpack("I", 4)
    pages, seen = [], set()
    while offset:
        if offset in seen or len(pages) >= MAX_PAGES:
            raise G3Error("TIFF IFD chain loops or has too many pages")
        seen.add(offset)
        tags, offset = reader.ifd(offset)
        pages.append(_read_page(reader, tags))
    if not pages:
        raise G3Error("TIFF has no pages")
    return pages
