"""Bit access to T.30 information fields, numbered as T.30 Table 2 numbers them.

Bit 1 is the first bit in time of the first FIF octet; since HDLC sends each octet least
significant bit first, bit n lives in octet (n-1)//8 under mask 1 << ((n-1) % 8).
Octets 1 to 3 (bits 1-24) are always present. From octet 3 on, the eighth bit of each
octet (24, 32, 40, ...) is an "extend field" bit: 1 when another octet follows
(T.30 Table 2). Bits 8 and 16 are ordinary bits (16 is the 2-D coding bit).
"""

from __future__ import annotations

MIN_OCTETS = 3  # DIS, DTC and DCS always carry bits 1 to 24 (T.30 Table 2)


def is_extend_bit(n: int) -> bool:
    return n >= 24 and n % 8 == 0


def has_bit(fif: bytes, n: int) -> bool:
    index = (n - 1) // 8
    return index < len(fif) and bool(fif[index] & (1 << ((n - 1) % 8)))


def set_bits(numbers: set[int] | frozenset[int]) -> bytes:
    """Build an information field with the given bits set, extension bits included: as
    many octets as the highest bit needs, at least three."""
    octets = max([MIN_OCTETS] + [(n - 1) // 8 + 1 for n in numbers])
    buf = bytearray(octets)
    for n in numbers:
        if not is_extend_bit(n):
            buf[(n - 1) // 8] |= 1 << ((n - 1) % 8)
    for i in range(MIN_OCTETS - 1, octets - 1):  # octet 3 onwards: "more follows"
        buf[i] |= 0x80
    return bytes(buf)


def present_octets(fif: bytes) -> int:
    """How many octets the extension chain says are present (trailing ones ignored)."""
    length = min(len(fif), MIN_OCTETS)
    while length < len(fif) and fif[length - 1] & 0x80:
        length += 1
    return length


def bits_set(fif: bytes) -> frozenset[int]:
    """Every bit number set in ``fif`` except extension bits, within the present octets."""
    length = present_octets(fif)
    return frozenset(n for n in range(1, 8 * length + 1)
                     if not is_extend_bit(n) and has_bit(fif, n))
