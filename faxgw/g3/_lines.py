"""Numba kernels that decode one coded line (T.4 one-dimensional, T.4/T.6 two-dimensional).

Each returns (status, next bit position, number of changing elements).  A line is good
only when it ends exactly at the line width; everything else is reported, never raised, so
that the page decoder can replace the line and resynchronise (T.4 Annex B-like behaviour
of real receivers).  The input is padded with zero bytes so a 13-bit peek past the end is
always safe; the callers compare positions with the true bit count.
"""

from __future__ import annotations

from numba import njit

LINE_OK, LINE_BAD_CODE, LINE_TOO_LONG, LINE_TRUNCATED, LINE_EOL_INSIDE, LINE_UNSUPPORTED = range(6)


@njit(cache=True)
def peek13(data, pos):
    i = pos >> 3
    window = (int(data[i]) << 16) | (int(data[i + 1]) << 8) | int(data[i + 2])
    return (window >> (11 - (pos & 7))) & 0x1FFF


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
def read_run(data, pos, nbits, table):
    """One run: make-up codes then a terminating code (T.4 4.1.1). Returns (run, pos) or a
    negative run: -1 for a bit pattern that is no code word, -2 for the end of data."""
    run = 0
    while True:
        entry = table[peek13(data, pos)]
        if entry == 0:
            return -1, pos
        pos += entry & 31
        if pos > nbits:
            return -2, pos
        part = entry >> 5
        run += part
        if part < 64:
            return run, pos


@njit(cache=True)
def decode_line_1d(data, pos, nbits, width, row, changes, white, black):
    """T.4 4.1: alternating white and black runs filling exactly `width` pixels."""
    a0 = 0
    colour = 0
    count = 0
    while True:
        run, pos = read_run(data, pos, nbits, black if colour else white)
        if run < 0:
            return (LINE_TRUNCATED if run == -2 else LINE_BAD_CODE), pos, count
        if a0 + run > width:
            return LINE_TOO_LONG, pos, count
        if colour:
            row[a0 : a0 + run] = 1
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
def decode_line_2d(data, pos, nbits, width, row, changes, reference, white, black, modes):
    """T.4 4.2.1.3 / T.6 2.2: modes relative to the reference line's changing elements,
    which must be followed by three sentinels equal to `width`."""
    a0 = -1
    colour = 0
    count = 0
    ri = 0
    while a0 < width:
        while ri > 0 and reference[ri - 1] > a0:
            ri -= 1
        while reference[ri] <= a0 or (ri & 1) != colour:
            ri += 1
        b1 = reference[ri]
        entry = modes[peek13(data, pos)]
        if entry == 0:
            return LINE_BAD_CODE, pos, count
        pos += entry & 31
        if pos > nbits:
            return LINE_TRUNCATED, pos, count
        mode = entry >> 5
        start = a0 if a0 > 0 else 0
        if mode == 0:  # pass: a0 moves under b2, colour unchanged
            b2 = reference[ri + 1]
            if b2 > width:
                return LINE_TOO_LONG, pos, count
            if colour:
                row[start:b2] = 1
            a0 = b2
        elif mode == 1:  # horizontal: two runs, a0a1 then a1a2
            first, pos = read_run(data, pos, nbits, black if colour else white)
            if first < 0:
                return (LINE_TRUNCATED if first == -2 else LINE_BAD_CODE), pos, count
            second, pos = read_run(data, pos, nbits, white if colour else black)
            if second < 0:
                return (LINE_TRUNCATED if second == -2 else LINE_BAD_CODE), pos, count
            a1 = start + first
            a2 = a1 + second
            if a2 > width:
                return LINE_TOO_LONG, pos, count
            # a1 lies right of a0 (except at the line start) and a2 right of a1 (except at
            # the line end): without this, empty runs could repeat without moving a0.
            if (a0 >= 0 and first == 0) or (second == 0 and a1 < width):
                return LINE_BAD_CODE, pos, count
            if colour:
                row[start:a1] = 1
            else:
                row[a1:a2] = 1
            if a1 < width:
                changes[count] = a1
                count += 1
            if a2 < width:
                changes[count] = a2
                count += 1
            a0 = a2
        elif mode <= 9:  # vertical: a1 = b1 + d
            a1 = b1 + mode - 5
            if a1 <= a0 or a1 < 0 or a1 > width:
                return LINE_BAD_CODE, pos, count
            if colour:
                row[start:a1] = 1
            if a1 < width:
                changes[count] = a1
                count += 1
            a0 = a1
            colour ^= 1
        elif mode == 10:
            return LINE_UNSUPPORTED, pos, count  # uncompressed mode (T.4 Annex A)
        else:
            return LINE_EOL_INSIDE, pos, count
    return LINE_OK, pos, count
