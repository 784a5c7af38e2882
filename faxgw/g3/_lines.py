"""Numba kernels that decode one coded line (T.4 one-dimensional, T.4/T.6 two-dimensional).

Each returns (status, next bit position, number of changing elements). A line is good
only when it ends exactly at the line width; anything else is reported, never raised, so
that the page decoder can replace the line and resynchronise.

Bits are read through a 64-bit buffer (`bits`, the next bit in bit 63; `held` of them
valid) refilled 32 bits at a time, so that the critical path per code word is one table
lookup and one shift. The refill is written out in each loop rather than in a helper: a
jitted helper taking the data array costs a reference count per call (see _encoder.py).
The input must be followed by 16 zero bytes; positions are checked against `nbits`.
Rows arrive white (255); black pixels are written as 0, Pillow's "1;8" raw layout.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import tables

LINE_OK, LINE_BAD_CODE, LINE_TOO_LONG, LINE_TRUNCATED, LINE_EOL_INSIDE, LINE_UNSUPPORTED = range(6)
# One table for both colours: RUN_DECODE[colour << 13 | next 13 bits] = run << 5 | length.
RUN_DECODE = np.concatenate((tables.WHITE_DECODE, tables.BLACK_DECODE)).astype(np.int64)
MODE_DECODE = tables.MODE_DECODE.astype(np.int64)
PASS, HORIZONTAL, V0 = tables.MODE_PASS, tables.MODE_HORIZONTAL, tables.MODE_V0 + 3
V_LAST, EXTENSION = tables.MODE_V0 + 6, tables.MODE_EXTENSION
BLACK = 0


@njit(cache=True)
def count_zero_bits(data, pos, nbits):
    """Zero bits from pos up to the next one bit or the end of data."""
    start = pos
    while pos < nbits:
        if (pos & 7) == 0 and data[pos >> 3] == 0:
            pos += 8
            continue
        if (data[pos >> 3] >> (7 - (pos & 7))) & 1:
            return pos - start
        pos += 1
    return nbits - start


@njit(cache=True)
def decode_line_1d(data, pos, nbits, width, row, changes):
    """T.4 4.1: alternating white and black runs filling exactly `width` pixels; a run is
    make-up codes then a terminating code (T.4 4.1.1)."""
    byte = pos >> 3
    bits = 0
    held = 0
    a0 = 0
    colour = 0
    count = 0
    skip = pos & 7
    while True:
        run = 0
        while True:
            if held < 32:
                word = ((np.int64(data[byte]) << 24) | (np.int64(data[byte + 1]) << 16)
                        | (np.int64(data[byte + 2]) << 8) | np.int64(data[byte + 3]))
                bits |= word << (32 - held)
                held += 32
                byte += 4
                if skip:  # only on the first refill: start mid-byte
                    bits <<= skip
                    held -= skip
                    skip = 0
            entry = RUN_DECODE[(colour << 13) | ((bits >> 51) & 0x1FFF)]
            if entry == 0:
                return LINE_BAD_CODE, (byte << 3) - held, count
            bits <<= entry & 31
            held -= entry & 31
            run += entry >> 5
            if (entry >> 5) < 64:
                break
        pos = (byte << 3) - held
        if pos > nbits:
            return LINE_TRUNCATED, pos, count
        if a0 + run > width:
            return LINE_TOO_LONG, pos, count
        if colour:
            for x in range(a0, a0 + run):
                row[x] = BLACK
        a0 += run
        if a0 == width:
            return LINE_OK, pos, count
        if run == 0 and count > 0 and changes[count - 1] == a0:
            count -= 1  # an empty run mid-line merges its neighbours; keeps `changes` bounded
        else:
            changes[count] = a0
            count += 1
        colour ^= 1


@njit(cache=True)
def decode_line_2d(data, pos, nbits, width, row, changes, reference):
    """T.4 4.2.1.3 / T.6 2.2: modes relative to the reference line's changing elements,
    which must be followed by three sentinels equal to `width`."""
    byte = pos >> 3
    bits = 0
    held = 0
    skip = pos & 7
    a0 = -1
    colour = 0
    count = 0
    ri = 0
    while a0 < width:
        while ri > 0 and reference[ri - 1] > a0:
            ri -= 1
        while reference[ri] <= a0 or (ri & 1) != colour:
            ri += 1
        if held < 32:
            word = ((np.int64(data[byte]) << 24) | (np.int64(data[byte + 1]) << 16)
                    | (np.int64(data[byte + 2]) << 8) | np.int64(data[byte + 3]))
            bits |= word << (32 - held)
            held += 32
            byte += 4
            if skip:
                bits <<= skip
                held -= skip
                skip = 0
        entry = MODE_DECODE[(bits >> 51) & 0x1FFF]
        if entry == 0:
            return LINE_BAD_CODE, (byte << 3) - held, count
        bits <<= entry & 31
        held -= entry & 31
        mode = entry >> 5
        start = a0 if a0 > 0 else 0
        if mode == PASS:  # a0 moves under b2, colour unchanged
            b2 = reference[ri + 1]
            if b2 > width:
                return LINE_TOO_LONG, (byte << 3) - held, count
            if colour:
                for x in range(start, b2):
                    row[x] = BLACK
            a0 = b2
        elif mode == HORIZONTAL:  # two runs, a0a1 in a0's colour, then a1a2
            a1 = start
            a2 = start
            for half in range(2):
                run = 0
                while True:
                    if held < 32:
                        word = ((np.int64(data[byte]) << 24) | (np.int64(data[byte + 1]) << 16)
                                | (np.int64(data[byte + 2]) << 8) | np.int64(data[byte + 3]))
                        bits |= word << (32 - held)
                        held += 32
                        byte += 4
                    entry = RUN_DECODE[((colour ^ half) << 13) | ((bits >> 51) & 0x1FFF)]
                    if entry == 0:
                        return LINE_BAD_CODE, (byte << 3) - held, count
                    bits <<= entry & 31
                    held -= entry & 31
                    run += entry >> 5
                    if (entry >> 5) < 64:
                        break
                if half == 0:
                    a1 = start + run
                    # a1 lies right of a0, except at the line start (T.4 4.2.1.3.2).
                    if a0 >= 0 and run == 0:
                        return LINE_BAD_CODE, (byte << 3) - held, count
                else:
                    a2 = a1 + run
                    # a2 lies right of a1 unless a1 is the line end: empty runs must not
                    # repeat without moving a0.
                    if run == 0 and a1 < width:
                        return LINE_BAD_CODE, (byte << 3) - held, count
            if a2 > width:
                return LINE_TOO_LONG, (byte << 3) - held, count
            black_from, black_to = (start, a1) if colour else (a1, a2)
            for x in range(black_from, black_to):
                row[x] = BLACK
            if a1 < width:
                changes[count] = a1
                count += 1
            if a2 < width:
                changes[count] = a2
                count += 1
            a0 = a2
        elif mode <= V_LAST:  # vertical: a1 = b1 + d, d in -3..3
            a1 = reference[ri] + mode - V0
            if a1 <= a0 or a1 < 0 or a1 > width:
                return LINE_BAD_CODE, (byte << 3) - held, count
            if colour:
                for x in range(start, a1):
                    row[x] = BLACK
            if a1 < width:
                changes[count] = a1
                count += 1
            a0 = a1
            colour ^= 1
        elif mode == EXTENSION:
            return LINE_UNSUPPORTED, (byte << 3) - held, count  # uncompressed (T.4 Annex A)
        else:
            return LINE_EOL_INSIDE, (byte << 3) - held, count
        if (byte << 3) - held > nbits:
            return LINE_TRUNCATED, (byte << 3) - held, count
    return LINE_OK, (byte << 3) - held, count
