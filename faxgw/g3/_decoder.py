"""Numba kernels of the decoder: one coded line (T.4 one-dimensional, T.4/T.6
two-dimensional), and a page: EOL framing, RTC/EOFB, bad lines and resynchronisation.

Lines and pages live in one file on purpose: numba's on-disk cache is keyed on the source
file of each function only, so a page kernel cached with a line decoder from another file
keeps running the old line decoder after that file changes.

Line decoders return (status, next bit position, number of changing elements). A line
is good only when it ends exactly at the line width; anything else is reported, never
raised. T.4 pages (MH, MR) are framed by EOLs, so a damaged line is replaced by the line
above and decoding resumes after the next EOL, as fax machines do. T.6 (MMR) has no EOLs:
damage ends the page.

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
WHITE, BLACK = 255, 0  # rows are Pillow "1;8" bytes
CODING_MH, CODING_MR, CODING_MMR = 0, 1, 2
END_RTC, END_EOFB, END_DATA, END_LIMIT, END_DAMAGED = range(5)
# report slots
R_LINES, R_BAD, R_LONGEST_BAD, R_END, R_TRAILING_BAD, R_BITS = range(6)
EOL_ZEROS = 11  # an EOL is eleven (or more, with fill) zeros and a one (T.4 4.1.2, 4.1.3)
# Indexing with an unsigned integer spares numba's test for negative (from the end) indices
# in the hot loops: a dithered photo page decodes in 12 ms instead of 15 ms (MH).
U = np.uint64


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
                word = ((np.int64(data[U(byte)]) << 24) | (np.int64(data[U(byte + 1)]) << 16)
                        | (np.int64(data[U(byte + 2)]) << 8) | np.int64(data[U(byte + 3)]))
                bits |= word << (32 - held)
                held += 32
                byte += 4
                if skip:  # only on the first refill: start mid-byte
                    bits <<= skip
                    held -= skip
                    skip = 0
            entry = RUN_DECODE[U((colour << 13) | ((bits >> 51) & 0x1FFF))]
            if entry == 0:
                return LINE_BAD_CODE, (byte << 3) - held, count
            bits <<= entry & 31
            held -= entry & 31
            run += entry >> 5
            if (entry >> 5) < 64:
                break
        if a0 + run > width:
            return LINE_TOO_LONG, (byte << 3) - held, count
        if colour:
            for x in range(a0, a0 + run):
                row[U(x)] = BLACK
        a0 += run
        if a0 == width:
            pos = (byte << 3) - held
            # Zero bytes follow the data and are no run code, so a line cut short fails on
            # its own; only a line completed by bits past the end is caught here.
            return (LINE_TRUNCATED if pos > nbits else LINE_OK), pos, count
        if run == 0 and count > 0 and changes[count - 1] == a0:
            count -= 1  # an empty run mid-line merges its neighbours; keeps `changes` bounded
        else:
            changes[U(count)] = a0
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
        while ri > 0 and reference[U(ri - 1)] > a0:
            ri -= 1
        while reference[U(ri)] <= a0 or (ri & 1) != colour:
            ri += 1
        if held < 32:
            word = ((np.int64(data[U(byte)]) << 24) | (np.int64(data[U(byte + 1)]) << 16)
                    | (np.int64(data[U(byte + 2)]) << 8) | np.int64(data[U(byte + 3)]))
            bits |= word << (32 - held)
            held += 32
            byte += 4
            if skip:
                bits <<= skip
                held -= skip
                skip = 0
        entry = MODE_DECODE[U((bits >> 51) & 0x1FFF)]
        if entry == 0:
            return LINE_BAD_CODE, (byte << 3) - held, count
        bits <<= entry & 31
        held -= entry & 31
        mode = entry >> 5
        start = a0 if a0 > 0 else 0
        if mode == PASS:  # a0 moves under b2, colour unchanged
            b2 = reference[U(ri + 1)]
            if b2 > width:
                return LINE_TOO_LONG, (byte << 3) - held, count
            if colour:
                for x in range(start, b2):
                    row[U(x)] = BLACK
            a0 = b2
        elif mode == HORIZONTAL:  # two runs, a0a1 in a0's colour, then a1a2
            a1 = start
            a2 = start
            for half in range(2):
                run = 0
                while True:
                    if held < 32:
                        word = ((np.int64(data[U(byte)]) << 24) | (np.int64(data[U(byte + 1)]) << 16)
                                | (np.int64(data[U(byte + 2)]) << 8) | np.int64(data[U(byte + 3)]))
                        bits |= word << (32 - held)
                        held += 32
                        byte += 4
                    entry = RUN_DECODE[U(((colour ^ half) << 13) | ((bits >> 51) & 0x1FFF))]
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
                row[U(x)] = BLACK
            if a1 < width:
                changes[U(count)] = a1
                count += 1
            if a2 < width:
                changes[U(count)] = a2
                count += 1
            a0 = a2
        elif mode <= V_LAST:  # vertical: a1 = b1 + d, d in -3..3
            a1 = reference[U(ri)] + mode - V0
            if a1 <= a0 or a1 < 0 or a1 > width:
                return LINE_BAD_CODE, (byte << 3) - held, count
            if colour:
                for x in range(start, a1):
                    row[U(x)] = BLACK
            if a1 < width:
                changes[U(count)] = a1
                count += 1
            a0 = a1
            colour ^= 1
        elif mode == EXTENSION:
            return LINE_UNSUPPORTED, (byte << 3) - held, count  # uncompressed (T.4 Annex A)
        else:
            return LINE_EOL_INSIDE, (byte << 3) - held, count
    pos = (byte << 3) - held
    # Zero bytes follow the data and are no mode or run code, so a line cut short fails on
    # its own; only a line completed by bits past the end is caught here.
    return (LINE_TRUNCATED if pos > nbits else LINE_OK), pos, count



@njit(cache=True)
def find_next_eol(data, pos, nbits):
    """Bit position just after the next EOL at or after pos, or -1."""
    while pos < nbits:
        zeros = count_zero_bits(data, pos, nbits)
        pos += zeros
        if pos >= nbits:
            return -1
        pos += 1  # the one bit
        if zeros >= EOL_ZEROS:
            return pos
    return -1


@njit(cache=True)
def _reset_white(reference, width):
    reference[0] = width
    reference[1] = width
    reference[2] = width


@njit(cache=True)
def _close_changes(changes, count, width):
    changes[count] = width
    changes[count + 1] = width
    changes[count + 2] = width


@njit(cache=True)
def _replace_line(pixels, line):
    """A bad line becomes a copy of the line above (white for the first line)."""
    if line > 0:
        pixels[line, :] = pixels[line - 1, :]
    else:
        pixels[line, :] = WHITE


@njit(cache=True)
def decode_page_t4(data, nbits, width, two_dimensional, pixels, report):
    """MH or MR: lines between EOLs. Fills `pixels` (rows of 255/0) and `report`."""
    limit = pixels.shape[0]
    changes = np.empty(width + 4, dtype=np.int64)
    reference = np.empty(width + 4, dtype=np.int64)
    _reset_white(reference, width)
    lines = 0
    bad = 0
    bad_run = 0
    longest = 0
    end = END_DATA
    pos = 0
    after_eol = False
    zeros = count_zero_bits(data, pos, nbits)
    if pos + zeros < nbits and zeros >= EOL_ZEROS:
        pos += zeros + 1
        after_eol = True
    is_2d = False
    if after_eol and two_dimensional:
        if pos >= nbits:
            pos = nbits
        else:
            is_2d = ((data[pos >> 3] >> (7 - (pos & 7))) & 1) == 0
            pos += 1
    while True:
        if lines >= limit:
            end = END_LIMIT
            break
        zeros = count_zero_bits(data, pos, nbits)
        if pos + zeros >= nbits:
            end = END_DATA
            break
        if zeros >= EOL_ZEROS:
            if after_eol:
                end = END_RTC  # a second EOL with no line between: RTC (T.4 4.1.4)
                break
        start = pos
        row = pixels[lines]
        row[:] = WHITE
        if is_2d:
            status, pos, count = decode_line_2d(data, pos, nbits, width, row, changes,
                                                reference)
        else:
            status, pos, count = decode_line_1d(data, pos, nbits, width, row, changes)
        at_end = False
        if status == LINE_OK:
            zeros = count_zero_bits(data, pos, nbits)
            if pos + zeros >= nbits:
                at_end = True
            elif zeros >= EOL_ZEROS:
                pos += zeros + 1
            else:
                status = -1  # the line is followed by something that is no EOL
        if status == LINE_OK:
            _close_changes(changes, count, width)
            changes, reference = reference, changes
            bad_run = 0
            lines += 1
            if at_end:
                end = END_DATA
                break
        else:
            resync = find_next_eol(data, start, nbits)
            if lines == 0 and not after_eol:
                # Bits before the first EOL that are not a line: skip them, count nothing.
                if resync < 0:
                    end = END_DATA
                    break
                pos = resync
            else:
                _replace_line(pixels, lines)
                if lines == 0:
                    _reset_white(reference, width)
                lines += 1
                bad += 1
                bad_run += 1
                if bad_run > longest:
                    longest = bad_run
                if resync < 0:
                    end = END_DATA
                    pos = nbits
                    break
                pos = resync
        after_eol = True
        if two_dimensional:
            if pos >= nbits:
                end = END_DATA
                break
            is_2d = ((data[pos >> 3] >> (7 - (pos & 7))) & 1) == 0
            pos += 1
    report[R_LINES] = lines
    report[R_BAD] = bad
    report[R_LONGEST_BAD] = longest
    report[R_END] = end
    report[R_TRAILING_BAD] = bad_run
    report[R_BITS] = min(pos, nbits)


@njit(cache=True)
def decode_page_t6(data, nbits, width, pixels, report):
    """MMR: every line two-dimensional, the first against a white line, EOFB at the end."""
    limit = pixels.shape[0]
    changes = np.empty(width + 4, dtype=np.int64)
    reference = np.empty(width + 4, dtype=np.int64)
    _reset_white(reference, width)
    lines = 0
    bad = 0
    end = END_DATA
    pos = 0
    while True:
        if lines >= limit:
            end = END_LIMIT
            break
        zeros = count_zero_bits(data, pos, nbits)
        if pos + zeros >= nbits:
            end = END_DATA  # only zero padding left
            break
        if zeros >= EOL_ZEROS:
            end = END_EOFB  # T.6 2.2.3; no mode code begins with eleven zeros
            break
        pixels[lines, :] = WHITE
        status, pos, count = decode_line_2d(data, pos, nbits, width, pixels[lines], changes,
                                            reference)
        if status != LINE_OK:
            # Without EOLs there is nowhere to resynchronise: the rest of the page is lost.
            _replace_line(pixels, lines)
            lines += 1
            bad = 1
            end = END_DAMAGED
            break
        _close_changes(changes, count, width)
        changes, reference = reference, changes
        lines += 1
    report[R_LINES] = lines
    report[R_BAD] = bad
    report[R_LONGEST_BAD] = bad
    report[R_END] = end
    report[R_TRAILING_BAD] = bad
    report[R_BITS] = min(pos, nbits)
