"""Numba kernels of the encoder: changing elements, T.4 one-dimensional and T.4/T.6
two-dimensional coding of a line, and a whole page with EOLs, fill and RTC/EOFB.

Two phases per line: the line coder lists (code, length) pairs in scratch arrays, then
one loop packs them into the output. Hot loops never call a jitted helper that takes an
array: numba reference-counts array arguments on every call, which made a per-code
`put_bits(out, ...)` helper five times slower than the packing itself.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import tables

CODING_MH, CODING_MR, CODING_MMR = 0, 1, 2
EOL_CODE, EOL_LENGTH = 1, 12
MAKEUP_2560_CODE, MAKEUP_2560_LENGTH = int(tables.EXTENDED_MAKEUP[-1], 2), 12
RUN_TABLE_LIMIT = tables.MAX_MAKEUP + 64
# Module-level arrays are frozen into the compiled code as constants (no argument passing).
WHITE_CODES, WHITE_LENGTHS = tables.WHITE_RUN_CODES, tables.WHITE_RUN_LENGTHS
BLACK_CODES, BLACK_LENGTHS = tables.BLACK_RUN_CODES, tables.BLACK_RUN_LENGTHS
MODE_CODES, MODE_LENGTHS = tables.MODE_ENCODE_CODES, tables.MODE_ENCODE_LENGTHS
PASS, HORIZONTAL, V0 = tables.MODE_PASS, tables.MODE_HORIZONTAL, tables.MODE_V0 + 3
U = np.uint64  # unsigned indices: no negative-index test in the hot loops (see _decoder.py)


def _leading_zeros_of_bytes() -> np.ndarray:
    """LEADING_ZERO[b] = index (from the most significant bit) of the first one bit of b."""
    table = np.full(256, 8, dtype=np.int64)
    for b in range(1, 256):
        table[b] = 8 - b.bit_length()
    return table


LEADING_ZERO = _leading_zeros_of_bytes()


@njit(cache=True)
def find_changing_elements(row, width, changes):
    """Write the positions where the colour changes (T.4 4.2.1.3.1 "changing elements").

    `row` is one packed row, a one bit white (Pillow's sense); the line starts on an
    imaginary white pixel, so changes[0] is the first black pixel. Three sentinels equal
    to `width` follow the last change so that a1, a2, b1 and b2 can always be read.
    """
    count = 0
    previous_black = 0
    nbytes = (width + 7) >> 3
    for j in range(nbytes):
        black = (~row[U(j)]) & 0xFF
        # One bits where a pixel differs from the pixel to its left.
        diff = black ^ ((black >> 1) | (previous_black << 7))
        if j == nbytes - 1 and width & 7:
            diff &= (0xFF << (8 - (width & 7))) & 0xFF  # ignore the padding bits
        while diff:
            lead = LEADING_ZERO[U(diff)]
            changes[U(count)] = (j << 3) + lead
            count += 1
            diff &= 0x7F >> lead
        previous_black = black & 1
    changes[count] = width
    changes[count + 1] = width
    changes[count + 2] = width
    return count


@njit(cache=True)
def list_line_1d(changes, n_changes, width, codes, lengths):
    """T.4 4.1: alternate white and black runs, starting with a (maybe empty) white run.
    Returns (number of codes, number of bits)."""
    n = 0
    bits = 0
    a0 = 0
    for i in range(n_changes + 1):
        a1 = changes[U(i)] if i < n_changes else width
        run = a1 - a0
        a0 = a1
        # T.4 4.1.1.1: runs beyond the longest make-up code repeat the 2560 make-up code.
        while run >= RUN_TABLE_LIMIT:
            codes[n] = MAKEUP_2560_CODE
            lengths[n] = MAKEUP_2560_LENGTH
            bits += MAKEUP_2560_LENGTH
            n += 1
            run -= 2560
        if i & 1:
            codes[U(n)] = BLACK_CODES[U(run)]
            lengths[U(n)] = BLACK_LENGTHS[U(run)]
        else:
            codes[U(n)] = WHITE_CODES[U(run)]
            lengths[U(n)] = WHITE_LENGTHS[U(run)]
        bits += lengths[U(n)]
        n += 1
    return n, bits


@njit(cache=True)
def list_line_2d(changes, reference, width, codes, lengths):
    """T.4 4.2.1.3.2 / T.6 2.2: code the line against the reference line's changing
    elements (pass, vertical or horizontal mode). Returns (number of codes, bits)."""
    n = 0
    bits = 0
    a0 = -1
    colour = 0
    ci = 0  # index of a1 in `changes`
    ri = 0  # index of b1 in `reference`
    while a0 < width:
        a1 = changes[U(ci)]
        # b1: the first reference change right of a0 whose colour is opposite to a0's
        # colour; even indices are white-to-black changes.
        while ri > 0 and reference[U(ri - 1)] > a0:
            ri -= 1
        while reference[U(ri)] <= a0 or (ri & 1) != colour:
            ri += 1
        b1 = reference[U(ri)]
        b2 = reference[U(ri + 1)]
        if b2 < a1:
            mode = PASS
            a0 = b2
        elif a1 - b1 <= 3 and b1 - a1 <= 3:
            mode = V0 + a1 - b1
            a0 = a1
            colour ^= 1
            ci += 1
        else:
            mode = HORIZONTAL
        codes[U(n)] = MODE_CODES[U(mode)]
        lengths[U(n)] = MODE_LENGTHS[U(mode)]
        bits += lengths[U(n)]
        n += 1
        if mode == HORIZONTAL:
            a2 = changes[ci + 1]
            start = a0 if a0 > 0 else 0
            for half in range(2):
                run = a1 - start if half == 0 else a2 - a1
                while run >= RUN_TABLE_LIMIT:
                    codes[n] = MAKEUP_2560_CODE
                    lengths[n] = MAKEUP_2560_LENGTH
                    bits += MAKEUP_2560_LENGTH
                    n += 1
                    run -= 2560
                if colour ^ half:
                    codes[U(n)] = BLACK_CODES[U(run)]
                    lengths[U(n)] = BLACK_LENGTHS[U(run)]
                else:
                    codes[U(n)] = WHITE_CODES[U(run)]
                    lengths[U(n)] = WHITE_LENGTHS[U(run)]
                bits += lengths[U(n)]
                n += 1
            a0 = a2
            ci += 2
    return n, bits


@njit(cache=True)
def list_zeros(codes, lengths, n, zeros):
    while zeros > 0:
        step = min(zeros, 24)
        codes[n] = 0
        lengths[n] = step
        n += 1
        zeros -= step
    return n


@njit(cache=True)
def list_eol(codes, lengths, n, bit_position, tag, align):
    """EOL (T.4 4.1.2), ending on a byte boundary when `align`; then the MR tag bit (1:
    the next line is one-dimensional) unless tag < 0. Returns (n, bits added)."""
    pad = (8 - (bit_position + EOL_LENGTH) % 8) % 8 if align else 0
    n = list_zeros(codes, lengths, n, pad)
    codes[n] = EOL_CODE
    lengths[n] = EOL_LENGTH
    n += 1
    if tag >= 0:
        codes[n] = tag
        lengths[n] = 1
        n += 1
    return n, pad + EOL_LENGTH + (1 if tag >= 0 else 0)


@njit(cache=True)
def write_codes(out, pos, pending, count, codes, lengths, n):
    """Pack n codes after the `count` pending bits; whole 32-bit words go out, first bit
    in the most significant bit. Returns the new (pos, pending, count)."""
    for i in range(n):
        pending = (pending << lengths[U(i)]) | codes[U(i)]
        count += lengths[U(i)]
        if count >= 32:
            count -= 32
            word = pending >> count
            out[pos] = (word >> 24) & 0xFF
            out[pos + 1] = (word >> 16) & 0xFF
            out[pos + 2] = (word >> 8) & 0xFF
            out[pos + 3] = word & 0xFF
            pos += 4
    return pos, pending, count


@njit(cache=True)
def flush(out, pos, pending, count):
    """Write the pending bits, the last byte padded with zero bits; return the byte count."""
    while count >= 8:
        count -= 8
        out[pos] = (pending >> count) & 0xFF
        pos += 1
    if count > 0:
        out[pos] = (pending << (8 - count)) & 0xFF
        pos += 1
    return pos


@njit(cache=True)
def line_tag(coding, k, y):
    """MR tag bit for line y (1: one-dimensional), -1 when the coding has no tag bit."""
    if coding != CODING_MR:
        return -1
    return 1 if y % k == 0 else 0


@njit(cache=True)
def encode_page(rows, width, coding, k, min_line_bits, align, end_marker, out):
    """Code all rows (packed, a one bit white); return the number of bytes written."""
    pos = 0
    pending = 0
    count = 0
    changes = np.empty(width + 4, dtype=np.int64)
    reference = np.empty(width + 4, dtype=np.int64)
    reference[:3] = width  # the line above the first is white (T.4 4.2.1.3.4, T.6 2.2.1)
    scratch = 4 * width + 96 + min_line_bits // 24 + 4 * (width // 2560)
    codes = np.empty(scratch, dtype=np.int64)
    lengths = np.empty(scratch, dtype=np.int64)
    eol_bits = EOL_LENGTH + (1 if coding == CODING_MR else 0)
    height = rows.shape[0]
    n = 0
    if coding != CODING_MMR:
        n, _ = list_eol(codes, lengths, 0, 0, line_tag(coding, k, 0), align)
    for y in range(height):
        n_changes = find_changing_elements(rows[y], width, changes)
        if coding == CODING_MH or (coding == CODING_MR and y % k == 0):
            n_line, bits = list_line_1d(changes, n_changes, width, codes[n:], lengths[n:])
        else:
            n_line, bits = list_line_2d(changes, reference, width, codes[n:], lengths[n:])
        n += n_line
        if coding != CODING_MMR:
            # T.4 4.1.3: DATA + FILL + EOL must last the minimum scan line time.
            if bits + eol_bits < min_line_bits:
                n = list_zeros(codes, lengths, n, min_line_bits - bits - eol_bits)
                bits = min_line_bits - eol_bits
            if y + 1 < height:
                n, _ = list_eol(codes, lengths, n, pos * 8 + count + _sum(lengths, n),
                                line_tag(coding, k, y + 1), align)
        pos, pending, count = write_codes(out, pos, pending, count, codes, lengths, n)
        n = 0
        changes, reference = reference, changes
    if end_marker:
        for _ in range(2 if coding == CODING_MMR else 6):
            # RTC: six EOLs (T.4 4.1.4), EOL+1 in MR (4.2.2); EOFB: two EOLs (T.6 2.2.3).
            tag = 1 if coding == CODING_MR else -1
            n, _ = list_eol(codes, lengths, 0, pos * 8 + count, tag,
                            align and coding != CODING_MMR)
            pos, pending, count = write_codes(out, pos, pending, count, codes, lengths, n)
    return flush(out, pos, pending, count)


@njit(cache=True)
def _sum(lengths, n):
    total = 0
    for i in range(n):
        total += lengths[i]
    return total


def max_encoded_bytes(height: int, width: int, min_line_bits: int) -> int:
    """A bound on the output size: no line costs more than 20 bits a pixel plus overheads."""
    per_line = 20 * (width + 2) + 12 * (width // 2560 + 2) + min_line_bits + 32
    return (height * per_line + 14 * 8 * 6) // 8 + 16
