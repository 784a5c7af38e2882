"""The code tables of ITU-T T.4 and T.6, and the lookup arrays the kernels use.

The code words are typed in as the Recommendation prints them (T.4 Tables 1, 2, 3 and 4;
T.6 Table 1 repeats them): a string of bits, first transmitted bit first.  Everything the
encoder and decoder need (a code per run length, a decode table indexed by the next 13 bits)
is derived here once, at import, so a typo can only show up as a failed round trip against
libtiff, never as two tables that disagree.
"""

from __future__ import annotations

import numpy as np

# T.4 Table 1 (terminating codes, run lengths 0..63), white then black.
WHITE_TERMINATING = (
    "00110101 000111 0111 1000 1011 1100 1110 1111 10011 10100 00111 01000 001000 000011 "
    "110100 110101 101010 101011 0100111 0001100 0001000 0010111 0000011 0000100 0101000 "
    "0101011 0010011 0100100 0011000 00000010 00000011 00011010 00011011 00010010 00010011 "
    "00010100 00010101 00010110 00010111 00101000 00101001 00101010 00101011 00101100 "
    "00101101 00000100 00000101 00001010 00001011 01010010 01010011 01010100 01010101 "
    "00100100 00100101 01011000 01011001 01011010 01011011 01001010 01001011 00110010 "
    "00110011 00110100"
).split()
BLACK_TERMINATING = (
    "0000110111 010 11 10 011 0011 0010 00011 000101 000100 0000100 0000101 0000111 "
    "00000100 00000111 000011000 0000010111 0000011000 0000001000 00001100111 00001101000 "
    "00001101100 00000110111 00000101000 00000010111 00000011000 000011001010 000011001011 "
    "000011001100 000011001101 000001101000 000001101001 000001101010 000001101011 "
    "000011010010 000011010011 000011010100 000011010101 000011010110 000011010111 "
    "000001101100 000001101101 000011011010 000011011011 000001010100 000001010101 "
    "000001010110 000001010111 000001100100 000001100101 000001010010 000001010011 "
    "000000100100 000000110111 000000111000 000000100111 000000101000 000001011000 "
    "000001011001 000000101011 000000101100 000001011010 000001100110 000001100111"
).split()

# T.4 Table 2 (make-up codes, run lengths 64, 128, ..., 1728).
WHITE_MAKEUP = (
    "11011 10010 010111 0110111 00110110 00110111 01100100 01100101 01101000 01100111 "
    "011001100 011001101 011010010 011010011 011010100 011010101 011010110 011010111 "
    "011011000 011011001 011011010 011011011 010011000 010011001 010011010 011000 010011011"
).split()
BLACK_MAKEUP = (
    "0000001111 000011001000 000011001001 000001011011 000000110011 000000110100 "
    "000000110101 0000001101100 0000001101101 0000001001010 0000001001011 0000001001100 "
    "0000001001101 0000001110010 0000001110011 0000001110100 0000001110101 0000001110110 "
    "0000001110111 0000001010010 0000001010011 0000001010100 0000001010101 0000001011010 "
    "0000001011011 0000001100100 0000001100101"
).split()

# T.4 Table 3 (extended make-up codes 1792..2560, the same for both colours).
EXTENDED_MAKEUP = (
    "00000001000 00000001100 00000001101 000000010010 000000010011 000000010100 "
    "000000010101 000000010110 000000010111 000000011100 000000011101 000000011110 "
    "000000011111"
).split()

EOL = "000000000001"  # T.4 4.1.2; T.6 2.2.3 uses two of them as EOFB
MAX_MAKEUP = 2560  # T.4 4.1.1.1: longer runs repeat the 2560 make-up code

# T.4 Table 4 / T.6 Table 1: two-dimensional mode codes.
MODE_PASS, MODE_HORIZONTAL, MODE_V0 = 0, 1, 2  # V(d) is MODE_V0 + 3 + d for d in -3..3
MODE_EXTENSION, MODE_EOL, MODE_INVALID = 10, 11, 12
MODE_CODES = {
    "0001": MODE_PASS,
    "001": MODE_HORIZONTAL,
    "1": MODE_V0 + 3,
    "011": MODE_V0 + 4,
    "000011": MODE_V0 + 5,
    "0000011": MODE_V0 + 6,
    "010": MODE_V0 + 2,
    "000010": MODE_V0 + 1,
    "0000010": MODE_V0 + 0,
    "0000001": MODE_EXTENSION,  # uncompressed mode (T.4 Annex A); not supported
}

PEEK_BITS = 13  # the longest run code word is 13 bits long


def run_code_words(colour: int) -> dict[int, str]:
    """Every run length that has a single code word of this colour (0 white, 1 black)."""
    terminating = WHITE_TERMINATING if colour == 0 else BLACK_TERMINATING
    makeup = WHITE_MAKEUP if colour == 0 else BLACK_MAKEUP
    words = {run: code for run, code in enumerate(terminating)}
    words.update({64 * (i + 1): code for i, code in enumerate(makeup)})
    words.update({1792 + 64 * i: code for i, code in enumerate(EXTENDED_MAKEUP)})
    return words


def _run_encode_table(colour: int) -> tuple[np.ndarray, np.ndarray]:
    """Code (as an integer) and length for every run 0..MAX_MAKEUP+63 in one code string.

    A run of 64 or more is a make-up code followed by a terminating code (T.4 4.1.1.1);
    joining them once here lets the encoder write any run below 2624 with a single put.
    """
    words = run_code_words(colour)
    size = MAX_MAKEUP + 64
    codes = np.zeros(size, dtype=np.int64)
    lengths = np.zeros(size, dtype=np.int64)
    for run in range(size):
        bits = words[run] if run < 64 else words[run & ~63] + words[run & 63]
        codes[run] = int(bits, 2)
        lengths[run] = len(bits)
    return codes, lengths


def _fill_decode_table(table: np.ndarray, bits: str, value: int) -> None:
    """Mark every PEEK_BITS-bit window that begins with `bits` as decoding to `value`."""
    spare = PEEK_BITS - len(bits)
    start = int(bits, 2) << spare
    if table[start : start + (1 << spare)].any():
        raise AssertionError(f"code tables are not prefix-free at {bits}")
    table[start : start + (1 << spare)] = value


def _run_decode_table(colour: int) -> np.ndarray:
    """table[next 13 bits] = run << 5 | code length; 0 where no code word matches."""
    table = np.zeros(1 << PEEK_BITS, dtype=np.int32)
    for run, bits in run_code_words(colour).items():
        _fill_decode_table(table, bits, run << 5 | len(bits))
    return table


def _mode_decode_table() -> np.ndarray:
    """table[next 13 bits] = mode << 5 | code length; EOL included; 0 where nothing matches."""
    table = np.zeros(1 << PEEK_BITS, dtype=np.int32)
    for bits, mode in MODE_CODES.items():
        _fill_decode_table(table, bits, mode << 5 | len(bits))
    # The extension prefix 0000001 shadows nothing; EOL (eleven zeros, a one) needs 12 bits.
    _fill_decode_table(table, EOL, MODE_EOL << 5 | len(EOL))
    return table


WHITE_RUN_CODES, WHITE_RUN_LENGTHS = _run_encode_table(0)
BLACK_RUN_CODES, BLACK_RUN_LENGTHS = _run_encode_table(1)
WHITE_DECODE = _run_decode_table(0)
BLACK_DECODE = _run_decode_table(1)
MODE_DECODE = _mode_decode_table()

# Vertical and pass/horizontal mode codes for the encoder, indexed like MODE_CODES' values.
MODE_ENCODE_CODES = np.zeros(MODE_EXTENSION + 1, dtype=np.int64)
MODE_ENCODE_LENGTHS = np.zeros(MODE_EXTENSION + 1, dtype=np.int64)
for _bits, _mode in MODE_CODES.items():
    MODE_ENCODE_CODES[_mode] = int(_bits, 2)
    MODE_ENCODE_LENGTHS[_mode] = len(_bits)

# Byte bit-reversal: the encoder writes the first bit in the most significant bit (TIFF
# FillOrder 1); a modem sends each byte least significant bit first (T.4 wire order).
REVERSED_BITS = np.array([int(f"{b:08b}"[::-1], 2) for b in range(256)], dtype=np.uint8)
