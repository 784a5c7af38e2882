"""Numba kernel that decodes a page: EOL framing, RTC/EOFB, bad lines and resynchronisation.

T.4 pages (MH, MR) are framed by EOLs, so a damaged line is replaced by the line above and
decoding resumes after the next EOL, as fax machines do. T.6 (MMR) has no EOLs: damage
ends the page.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._lines import LINE_OK, count_zero_bits, decode_line_1d, decode_line_2d

WHITE = 255  # rows are Pillow "1;8" bytes: 255 white, 0 black

CODING_MH, CODING_MR, CODING_MMR = 0, 1, 2
END_RTC, END_EOFB, END_DATA, END_LIMIT, END_DAMAGED = range(5)
# report slots
R_LINES, R_BAD, R_LONGEST_BAD, R_END, R_TRAILING_BAD, R_BITS = range(6)
EOL_ZEROS = 11  # an EOL is eleven (or more, with fill) zeros and a one (T.4 4.1.2, 4.1.3)


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
