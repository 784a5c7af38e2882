"""The public encode/decode functions: option checking and Pillow <-> numpy around the
numba kernels (_encoder.py, _decoder.py)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import _decoder, _encoder
from ._bitorder import copy_reversing_bits
from .errors import G3Error

CODINGS = {"MH": _encoder.CODING_MH, "MR": _encoder.CODING_MR, "MMR": _encoder.CODING_MMR}
# T.4 4.2.1.3.1: K = 2 at standard vertical resolution, 4 at the higher ones.
K_FOR_RESOLUTION = {"standard": 2, "fine": 4, "superfine": 4}
MIN_SCAN_TIMES_MS = (0, 5, 10, 20, 40)  # T.30 Table 2, DIS bits 21-23
BIT_ORDERS = ("lsb", "msb")
MAX_WIDTH = 8192  # T.4's widest page is 4864 pixels; bounds decode memory (x max_lines)
INPUT_PADDING = 16  # zero bytes after the data: the kernels' read-ahead (see _decoder.py)
DEFAULT_MAX_LINES = 1 << 14  # longer than any page T.4 describes (A3 superfine ~ 6500 lines)
ENDINGS = {
    _decoder.END_RTC: "rtc",
    _decoder.END_EOFB: "eofb",
    _decoder.END_DATA: "end_of_data",
    _decoder.END_DAMAGED: "damaged",
}


@dataclass(frozen=True)
class DecodeReport:
    """What decode found.

    lines: lines in the returned image (bad ones included, replaced).
    bad_lines: lines that could not be decoded and were replaced by the line above.
    longest_bad_run: the longest run of consecutive bad lines (T.30 receivers judge
        MCF/RTP/RTN by it).
    end: how the page ended: "rtc" (T.4 return to control), "eofb" (T.6 end of facsimile
        block), "end_of_data" (the data ran out), "height" (the requested height was
        reached), "max_lines" (the safety limit was reached), "damaged" (MMR only: a coding
        error, after which nothing can be decoded).
    bits_used: how far into the data decoding went, in bits.
    """

    lines: int
    bad_lines: int
    longest_bad_run: int
    end: str
    bits_used: int

    @property
    def clean(self) -> bool:
        return self.bad_lines == 0


def _coding_id(coding: str) -> int:
    if coding not in CODINGS:
        raise G3Error(f"coding must be one of MH, MR, MMR, not {coding!r}")
    return CODINGS[coding]


def _check_bit_order(bit_order: str) -> None:
    if bit_order not in BIT_ORDERS:
        raise G3Error(f"bit_order must be 'lsb' or 'msb', not {bit_order!r}")


def _k_factor(k: int | None, resolution: str) -> int:
    if k is not None:
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise G3Error(f"k must be a positive integer, not {k!r}")
        return k
    if resolution not in K_FOR_RESOLUTION:
        raise G3Error(f"resolution must be standard, fine or superfine, not {resolution!r}")
    return K_FOR_RESOLUTION[resolution]


def min_line_bits(min_scan_ms: int, bit_rate: int) -> int:
    """Bits a coded line (data + fill + EOL) must at least have (T.4 4.1.3)."""
    if min_scan_ms not in MIN_SCAN_TIMES_MS:
        raise G3Error(f"min_scan_ms must be one of {MIN_SCAN_TIMES_MS}, not {min_scan_ms!r}")
    if not isinstance(bit_rate, int) or isinstance(bit_rate, bool) or bit_rate <= 0:
        raise G3Error(f"bit_rate must be a positive integer (bit/s), not {bit_rate!r}")
    return math.ceil(min_scan_ms * bit_rate / 1000)


def _image_rows(image: Image.Image) -> np.ndarray:
    if not isinstance(image, Image.Image):
        raise G3Error(f"image must be a Pillow image, not {type(image).__name__}")
    if image.mode != "1":
        raise G3Error(f"image must be mode '1' (bilevel), not {image.mode!r}; binarise first")
    width, height = image.size
    if not 1 <= width <= MAX_WIDTH or height < 1:
        raise G3Error(f"image size {width}x{height} cannot be coded")
    # Pillow keeps mode "1" a byte per pixel; reading it that way and packing with numpy
    # is ~20x faster than Image.tobytes(), whose bit packer dominated the encode time.
    return np.packbits(np.asarray(image), axis=1)  # one bit per pixel, 1 = white


def encode(image: Image.Image, coding: str, *, k: int | None = None,
           resolution: str = "fine", min_scan_ms: int = 0, bit_rate: int = 14400,
           end_of_page: bool = True, align_eol: bool = False, bit_order: str = "lsb") -> bytes:
    """Encode a Pillow mode "1" image (0 black, 255 white) as a T.4 or T.6 page.

    coding: "MH" (T.4 one-dimensional), "MR" (T.4 two-dimensional) or "MMR" (T.6).
    k: MR only, the K factor: one one-dimensional line then at most k-1 two-dimensional
        lines (T.4 4.2.1.3.1). Default: from `resolution`.
    resolution: "standard" (K=2), "fine" or "superfine" (K=4); only chooses K.
    min_scan_ms: MH/MR, minimum scan line time negotiated in T.30 (0, 5, 10, 20, 40);
        with `bit_rate` (bit/s) it sets the fill bits so that data + fill + EOL of every
        line lasts at least that long (T.4 4.1.3). Must be 0 for MMR (T.6 has no fill).
    end_of_page: end with RTC (six EOLs, EOL+1 in MR; T.4 4.1.4) or EOFB for MMR (T.6 2.2.3).
    align_eol: MH/MR, add fill so every EOL ends on a byte boundary (TIFF T4Options bit 2,
        Class 2 modems). Must be False for MMR.
    bit_order: "lsb": the first bit in the least significant bit of each byte, the order a
        modem sends (and fax2tiff's default); "msb": first bit in the most significant bit
        (TIFF FillOrder 1).

    Every T.4/T.6 page starts with an EOL (MH/MR) and the last byte is padded with zeros.
    Raises G3Error for bad arguments.
    """
    return encode_rows(_image_rows(image), image.size[0], coding, k=k, resolution=resolution,
                       min_scan_ms=min_scan_ms, bit_rate=bit_rate, end_of_page=end_of_page,
                       align_eol=align_eol, bit_order=bit_order)


def encode_rows(rows: np.ndarray, width: int, coding: str, *, k: int | None = None,
                resolution: str = "fine", min_scan_ms: int = 0, bit_rate: int = 14400,
                end_of_page: bool = True, align_eol: bool = False, bit_order: str = "lsb") -> bytes:
    """``encode`` for a page that is already packed bits: ``rows`` is uint8, one row per
    line, ceil(width / 8) bytes each, first pixel in the most significant bit, 1 = white
    (what ``np.packbits(pixels >= 128, axis=1)`` makes of grey pixels). For callers that
    have the pixels in numpy: reading them out of a Pillow "1" image costs ~2 ms a page."""
    rows = np.ascontiguousarray(rows, dtype=np.uint8)
    if rows.ndim != 2 or not 1 <= width <= MAX_WIDTH or rows.shape[0] < 1 or rows.shape[1] != (width + 7) // 8:
        raise G3Error(f"rows of shape {rows.shape} cannot be a page {width} pixels wide")
    coding_id = _coding_id(coding)
    _check_bit_order(bit_order)
    k_factor = _k_factor(k, resolution)
    fill_bits = min_line_bits(min_scan_ms, bit_rate)
    if coding_id == _encoder.CODING_MMR and (fill_bits or align_eol):
        raise G3Error("MMR (T.6) has no EOLs: min_scan_ms and align_eol do not apply")
    height = rows.shape[0]
    out = np.empty(_encoder.max_encoded_bytes(height, width, fill_bits), dtype=np.uint8)
    size = _encoder.encode_page(rows, width, coding_id, k_factor, fill_bits, bool(align_eol),
                                bool(end_of_page), out)
    encoded = out[:size]
    if bit_order == "lsb":
        copy_reversing_bits(encoded, encoded)
    return encoded.tobytes()


def _input_bits(data, bit_order: str) -> np.ndarray:
    try:
        raw = np.frombuffer(memoryview(data), dtype=np.uint8)
    except (TypeError, ValueError) as exc:
        raise G3Error(f"data must be bytes-like, not {type(data).__name__}") from exc
    # Zero padding lets the kernels read ahead past the end without bounds checks.
    bits = np.zeros(raw.size + INPUT_PADDING, dtype=np.uint8)
    if bit_order == "lsb":
        copy_reversing_bits(raw, bits)
    else:
        bits[: raw.size] = raw
    return bits


def _run_kernel(bits: np.ndarray, width: int, coding_id: int, capacity: int):
    pixels = np.empty((capacity, width), dtype=np.uint8)  # the kernel whitens each row
    report = np.zeros(6, dtype=np.int64)
    _decode_into(bits, width, coding_id, pixels, report)
    return pixels, report


def decode(data, width: int, coding: str, *, bit_order: str = "lsb", height: int | None = None,
           max_lines: int = DEFAULT_MAX_LINES) -> tuple[Image.Image, DecodeReport]:
    """Decode one T.4/T.6 page; returns (Pillow mode "1" image, DecodeReport).

    data: bytes-like, the coded page; decoding stops at RTC (MH/MR), EOFB (MMR), `height`
        lines or the end of data, whichever comes first; what follows is ignored.
    width: pixels per line (1728, 2048, 2432 are the T.4 widths; any 1..8192 works).
    coding: "MH", "MR" (the tag bit after each EOL says 1-D or 2-D) or "MMR".
    bit_order: "lsb" (modem wire order, fax2tiff's default) or "msb" (TIFF FillOrder 1).
    height: expected number of lines (e.g. a TIFF strip); decoding stops there, and lines
        missing at the end are white and counted as bad lines.
    max_lines: safety limit on the page length (and memory: width x max_lines bytes).

    Damaged MH/MR lines are replaced by the line above and counted; decoding resumes after
    the next EOL. MMR cannot resynchronise: the damaged line is replaced and decoding stops
    (end "damaged"). Raises G3Error only for bad arguments, never for bad data.
    """
    coding_id = _coding_id(coding)
    _check_bit_order(bit_order)
    if not isinstance(width, int) or not 1 <= width <= MAX_WIDTH:
        raise G3Error(f"width must be an integer in 1..{MAX_WIDTH}, not {width!r}")
    if height is not None and (not isinstance(height, int) or not 0 <= height <= max_lines):
        raise G3Error(f"height must be an integer in 0..{max_lines}, not {height!r}")
    bits = _input_bits(data, bit_order)
    limit = max_lines if height is None else height
    capacity = min(limit, 2400)
    while True:
        pixels, report = _run_kernel(bits, width, coding_id, capacity)
        if report[_decoder.R_END] != _decoder.END_LIMIT or capacity >= limit:
            break
        capacity = min(limit, capacity * 2)
    lines = decoded = int(report[_decoder.R_LINES])
    bad, longest = int(report[_decoder.R_BAD]), int(report[_decoder.R_LONGEST_BAD])
    end = ENDINGS.get(int(report[_decoder.R_END]))
    if end is None:
        end = "height" if height is not None else "max_lines"
    if height is not None and lines < height:
        missing = height - lines
        bad += missing
        longest = max(longest, int(report[_decoder.R_TRAILING_BAD]) + missing)
        lines = height
    image = _pixels_to_image(pixels, decoded, lines, width)
    return image, DecodeReport(lines, bad, longest, end, int(report[_decoder.R_BITS]))


def decode_strips(strips, rows, width: int, coding: str, *, bit_order: str = "msb",
                  min_is_black: bool = False) -> tuple[Image.Image, DecodeReport]:
    """One image from consecutive strips (a TIFF page), each decoded on its own to exactly
    its number of `rows`; missing lines are white and bad. `min_is_black` inverts the
    picture (TIFF PhotometricInterpretation 1). The report sums the strips' bad lines and
    bits used; longest_bad_run is the longest within one strip; end is the last strip's."""
    coding_id = _coding_id(coding)
    _check_bit_order(bit_order)
    if not isinstance(width, int) or not 1 <= width <= MAX_WIDTH:
        raise G3Error(f"width must be an integer in 1..{MAX_WIDTH}, not {width!r}")
    pixels = np.empty((sum(rows), width), dtype=np.uint8)
    bad = longest = top = bits_used = 0
    end = "end_of_data"
    for strip, count in zip(strips, rows):
        bits = _input_bits(strip, bit_order)
        report = np.zeros(6, dtype=np.int64)
        _decode_into(bits, width, coding_id, pixels[top : top + count], report)
        missing = count - int(report[_decoder.R_LINES])
        pixels[top + count - missing : top + count] = 255
        bad += int(report[_decoder.R_BAD]) + missing
        longest = max(longest, int(report[_decoder.R_LONGEST_BAD]),
                      int(report[_decoder.R_TRAILING_BAD]) + missing)
        end = ENDINGS.get(int(report[_decoder.R_END]), "height")
        bits_used += int(report[_decoder.R_BITS])
        top += count
    if min_is_black:
        np.bitwise_xor(pixels, 255, out=pixels)
    image = Image.frombytes("1", (width, top), pixels, "raw", "1;8")
    return image, DecodeReport(top, bad, longest, end, bits_used)


def _decode_into(bits: np.ndarray, width: int, coding_id: int, pixels: np.ndarray, report):
    nbits = (bits.size - INPUT_PADDING) * 8
    if coding_id == _encoder.CODING_MMR:
        _decoder.decode_page_t6(bits, nbits, width, pixels, report)
    else:
        _decoder.decode_page_t4(bits, nbits, width, coding_id == _encoder.CODING_MR, pixels,
                                report)


def _pixels_to_image(pixels: np.ndarray, decoded: int, lines: int, width: int) -> Image.Image:
    """Rows of 255 (white) / 0 (black) bytes, Pillow's "1;8" layout; lines past `decoded`
    are white."""
    rows = pixels[:decoded]
    if lines > decoded:
        rows = np.concatenate((rows, np.full((lines - decoded, width), 255, np.uint8)))
    return Image.frombytes("1", (width, lines), np.ascontiguousarray(rows), "raw", "1;8")


def warm_up() -> float:
    """Compile (or load from numba's on-disk cache) every kernel now; returns seconds.

    The first compile takes seconds (see README); a daemon calls this at start-up, off
    the event loop, so that the first fax does not wait for it.
    """
    start = time.perf_counter()
    page = Image.new("1", (64, 4), 1)
    page.putpixel((3, 1), 0)
    for coding in CODINGS:
        decode(encode(page, coding), 64, coding)
    return time.perf_counter() - start
