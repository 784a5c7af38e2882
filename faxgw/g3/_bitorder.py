"""Bit order of coded bytes: T.4 sends the first bit of a code first; a modem sends each
byte least significant bit first, TIFF FillOrder 1 puts the first bit in the most
significant bit. The kernels work MSB-first; this flips bytes for the LSB-first order."""

from __future__ import annotations

from numba import njit

from .tables import REVERSED_BITS


@njit(cache=True)
def copy_reversing_bits(source, target):
    """target[i] = source[i] with its bits in reverse order, for i < source.size.

    About 2.5 times faster than numpy's take() with the same table on a photo page.
    """
    for i in range(source.size):
        target[i] = REVERSED_BITS[source[i]]
