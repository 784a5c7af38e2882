"""Numba kernels of the encoder: changing elements, T.4 one-dimensional and T.4/T.6
two-dimensional coding of a line, and a whole page with EOLs, fill and RTC/EOFB.

Runs are found a byte at a time (a byte with no colour change costs one comparison), so a
text page costs little more than its black pixels; each run is one table lookup and one
write because tables.py joins make-up and terminating codes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import tables
from ._bitwriter import bit_position, flush, new_writer_state, put_bits, put_zeros

CODING_MH, CODING_MR, CODING_MMR = 0, 1, 2
EOL_CODE, EOL_LENGTH = 1, 12
MAKEUP_2560_CODE, MAKEUP_2560_LENGTH = int(tables.EXTENDED_MAKEUP[-1], 2), 12
RUN_TABLE_LIMIT = tables.MAX_MAKEUP + 64


def _leading_zeros_of_bytes() -> np.ndarray:
    """LEADING[b] = index (from the most significant bit) of the first one bit of b."""
    table = np.full(256, 8, dtype=np.int64)
    for b in range(1, 256):
        table[b] = 8 - b.bit_length()
    return table


LEADING_ZERO = _leading_zeros_of_bytes()


@njit(cache=True)
def find_changing_elements(row, width, changes, leading_zero):
    """Write the positions where the colour changes (T.4 4.2.1.3.1 "changing elements").

    `row` is a Pillow mode "1" row (a one bit is white); the line starts on an imaginary
    white pixel, so changes[0] is the first black pixel. Three sentinels equal to `width`
    follow the last change so that a1, a2, b1 and b2 can always be read.
    """
    count = 0
    previous_black = 0
    full_bytes = width >> 3
    for j in range(full_bytes):
        black = (~row[j]) & 0xFF
        # Bits that differ from the pixel to their left.
        diff = black ^ ((black >> 1) | (previous_black << 7))
        while diff:
            lead = leading_zero[diff]
            changes[count] = (j << 3) + lead
            count += 1
            diff &= 0x7F >> lead
        previous_black = black & 1
    tail = width & 7
    if tail:
        black = (~row[full_bytes]) & 0xFF
        diff = (black ^ ((black >> 1) | (previous_black << 7))) & ((0xFF << (8 - tail)) & 0xFF)
        while diff:
            lead = leading_zero[diff]
            changes[count] = (full_bytes << 3) + lead
            count += 1
            diff &= 0x7F >> lead
    changes[count] = width
    changes[count + 1] = width
    changes[count + 2] = width
    return count


@njit(cache=True)
def put_run(out, state, run, codes, lengths):
    # T.4 4.1.1.1: runs beyond the longest make-up code repeat the 2560 make-up code.
    while run >= RUN_TABLE_LIMIT:
        put_bits(out, state, MAKEUP_2560_CODE, MAKEUP_2560_LENGTH)
        run -= 2560
    put_bits(out, state, codes[run], lengths[run])


@njit(cache=True)
def encode_line_1d(out, state, changes, count, width, run_codes):
    """T.4 4.1: alternate white and black runs, starting with a (maybe empty) white run."""
    wc, wl, bc, bl = run_codes
    a0 = 0
    for i in range(count):
        if i & 1:
            put_run(out, state, changes[i] - a0, bc, bl)
        else:
            put_run(out, state, changes[i] - a0, wc, wl)
        a0 = changes[i]
    if count & 1:
        put_run(out, state, width - a0, bc, bl)
    else:
        put_run(out, state, width - a0, wc, wl)


@njit(cache=True)
def encode_line_2d(out, state, changes, reference, width, run_codes, mode_codes, mode_lengths):
    """T.4 4.2.1.3.2 / T.6 2.2: code the line against the reference line's changing elements."""
    wc, wl, bc, bl = run_codes
    a0 = -1
    colour = 0
    ci = 0  # index of a1 in `changes`
    ri = 0  # index of b1 in `reference`
    while a0 < width:
        a1 = changes[ci]
        # b1: first reference change right of a0 whose colour is opposite to a0's colour
        # (even indices are white-to-black changes).
        while ri > 0 and reference[ri - 1] > a0:
            ri -= 1
        while reference[ri] <= a0 or (ri & 1) != colour:
            ri += 1
        b1 = reference[ri]
        b2 = reference[ri + 1]
        if b2 < a1:
            put_bits(out, state, mode_codes[0], mode_lengths[0])  # pass mode
            a0 = b2
        elif a1 - b1 <= 3 and b1 - a1 <= 3:
            mode = 5 + a1 - b1  # MODE_V0 + 3 + d
            put_bits(out, state, mode_codes[mode], mode_lengths[mode])
            a0 = a1
            colour ^= 1
            ci += 1
        else:
            a2 = changes[ci + 1]
            put_bits(out, state, mode_codes[1], mode_lengths[1])  # horizontal mode
            start = a0 if a0 > 0 else 0
            if colour:
                put_run(out, state, a1 - start, bc, bl)
                put_run(out, state, a2 - a1, wc, wl)
            else:
                put_run(out, state, a1 - start, wc, wl)
                put_run(out, state, a2 - a1, bc, bl)
            a0 = a2
            ci += 2


@njit(cache=True)
def put_eol(out, state, tag, align):
    """EOL (T.4 4.1.2), ending on a byte boundary when `align`; then the MR tag bit if tag >= 0."""
    if align:
        put_zeros(out, state, (8 - (bit_position(state) + EOL_LENGTH) % 8) % 8)
    put_bits(out, state, EOL_CODE, EOL_LENGTH)
    if tag >= 0:
        put_bits(out, state, tag, 1)


@njit(cache=True)
def line_tag(coding, k, y):
    """MR tag bit for line y (1: one-dimensional), -1 when the coding has no tag bit."""
    if coding != CODING_MR:
        return -1
    return 1 if y % k == 0 else 0


@njit(cache=True)
def encode_page(rows, width, coding, k, min_line_bits, align, end_marker, out, leading_zero,
                run_codes, mode_codes, mode_lengths):
    """Code all rows; return the number of bytes written to `out`."""
    state = np.zeros(3, dtype=np.int64)
    changes = np.empty(width + 4, dtype=np.int64)
    reference = np.empty(width + 4, dtype=np.int64)
    reference[0] = width  # the line above the first is white (T.4 4.2.1.3.4, T.6 2.2.1)
    reference[1] = width
    reference[2] = width
    eol_bits = EOL_LENGTH + (1 if coding == CODING_MR else 0)
    if coding != CODING_MMR:
        put_eol(out, state, line_tag(coding, k, 0), align)
    height = rows.shape[0]
    for y in range(height):
        count = find_changing_elements(rows[y], width, changes, leading_zero)
        start = bit_position(state)
        if coding == CODING_MH or (coding == CODING_MR and y % k == 0):
            encode_line_1d(out, state, changes, count, width, run_codes)
        else:
            encode_line_2d(out, state, changes, reference, width, run_codes, mode_codes,
                           mode_lengths)
        if coding != CODING_MMR:
            # T.4 4.1.3: DATA + FILL + EOL must last the minimum scan line time.
            used = bit_position(state) - start + eol_bits
            if used < min_line_bits:
                put_zeros(out, state, min_line_bits - used)
            if y + 1 < height:
                put_eol(out, state, line_tag(coding, k, y + 1), align)
        changes, reference = reference, changes
    if end_marker:
        if coding == CODING_MMR:
            put_bits(out, state, EOL_CODE, EOL_LENGTH)  # EOFB, T.6 2.2.3
            put_bits(out, state, EOL_CODE, EOL_LENGTH)
        else:
            for _ in range(6):  # RTC, T.4 4.1.4 (EOL+1 six times in MR, 4.2.2)
                put_eol(out, state, 1 if coding == CODING_MR else -1, align)
    return flush(out, state)


def max_encoded_bytes(height: int, width: int, min_line_bits: int) -> int:
    """A bound on the output size: no line costs more than 20 bits a pixel plus overheads."""
    per_line = 20 * (width + 2) + 12 * (width // 2560 + 2) + min_line_bits + 32
    return (height * per_line + 14 * 8 * 6) // 8 + 16


RUN_CODES = (tables.WHITE_RUN_CODES, tables.WHITE_RUN_LENGTHS,
             tables.BLACK_RUN_CODES, tables.BLACK_RUN_LENGTHS)

__all__ = ["encode_page", "max_encoded_bytes", "new_writer_state", "RUN_CODES", "LEADING_ZERO"]
