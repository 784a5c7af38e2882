"""Which characters an OpenType font (or the first font of a collection) has glyphs for,
read from its ``cmap`` table (formats 4 and 12; the OpenType spec, "cmap" chapter).

Pillow draws any font FreeType reads, CFF outlines included, but cannot say whether a glyph
exists (a missing one is drawn as the .notdef box); reportlab says it only for TrueType
outlines. The character map answers for both, with no extra library.
"""

from __future__ import annotations

import struct
from pathlib import Path


def characters(path: str | Path) -> frozenset[str]:
    data = Path(path).read_bytes()
    base = struct.unpack_from(">I", data, 12)[0] if data[:4] == b"ttcf" else 0
    table = _table(data, base, b"cmap")
    if table is None:
        return frozenset()
    count = struct.unpack_from(">H", data, table + 2)[0]
    best: tuple[int, int] | None = None  # (rank, offset): format 12 beats format 4
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, table + 4 + 8 * i)
        if (platform, encoding) not in ((3, 1), (3, 10), (0, 3), (0, 4), (0, 6)):
            continue  # not a Unicode map
        fmt = struct.unpack_from(">H", data, table + offset)[0]
        rank = {12: 2, 4: 1}.get(fmt, 0)
        if rank and (best is None or rank > best[0]):
            best = (rank, table + offset)
    if best is None:
        return frozenset()
    return frozenset(map(chr, (_format12 if best[0] == 2 else _format4)(data, best[1])))


def _table(data: bytes, base: int, tag: bytes) -> int | None:
    tables = struct.unpack_from(">H", data, base + 4)[0]
    for i in range(tables):
        name, _, offset, _ = struct.unpack_from(">4sIII", data, base + 12 + 16 * i)
        if name == tag:
            return offset
    return None


def _format12(data: bytes, at: int) -> list[int]:
    groups = struct.unpack_from(">I", data, at + 12)[0]
    codes: list[int] = []
    for g in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * g)
        if glyph or start:  # glyph 0 is .notdef
            codes.extend(range(start, end + 1))
    return [c for c in codes if c <= 0x10FFFF and not 0xD800 <= c <= 0xDFFF]


def _format4(data: bytes, at: int) -> list[int]:
    segments = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", data, at + 14)
    starts = struct.unpack_from(f">{segments}H", data, at + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", data, at + 16 + 4 * segments)
    range_at = at + 16 + 6 * segments
    ranges = struct.unpack_from(f">{segments}H", data, range_at)
    codes: list[int] = []
    for i, (start, end) in enumerate(zip(starts, ends)):
        for code in range(start, end + 1):
            if code == 0xFFFF:
                continue
            if ranges[i] == 0:
                glyph = (code + deltas[i]) & 0xFFFF
            else:
                where = range_at + 2 * i + ranges[i] + 2 * (code - start)
                glyph = struct.unpack_from(">H", data, where)[0]
                glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
            if glyph and not 0xD800 <= code <= 0xDFFF:
                codes.append(code)
    return codes
