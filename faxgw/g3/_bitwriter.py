"""A bit writer for the numba kernels: first bit written lands in the most significant bit.

The writer's state is a three-slot int64 array (next byte index, pending bits, pending bit
count) so that small jitted helpers can share it without a jitclass, which would cost more
compile time than the whole codec.
"""

from __future__ import annotations

import numpy as np
from numba import njit

BYTE_POS, PENDING, PENDING_COUNT = 0, 1, 2


def new_writer_state() -> np.ndarray:
    return np.zeros(3, dtype=np.int64)


@njit(cache=True)
def put_bits(out, state, code, length):
    """Append the low `length` bits of `code` (length <= 32)."""
    pending = (state[PENDING] << length) | code
    count = state[PENDING_COUNT] + length
    pos = state[BYTE_POS]
    while count >= 8:
        count -= 8
        out[pos] = (pending >> count) & 0xFF
        pos += 1
    state[BYTE_POS] = pos
    state[PENDING] = pending & ((1 << count) - 1)
    state[PENDING_COUNT] = count


@njit(cache=True)
def put_zeros(out, state, count):
    while count > 24:
        put_bits(out, state, 0, 24)
        count -= 24
    if count > 0:
        put_bits(out, state, 0, count)


@njit(cache=True)
def bit_position(state):
    return state[BYTE_POS] * 8 + state[PENDING_COUNT]


@njit(cache=True)
def flush(out, state):
    """Pad the last byte with zero bits (T.4 fill) and return the number of bytes written."""
    if state[PENDING_COUNT] > 0:
        put_bits(out, state, 0, 8 - state[PENDING_COUNT])
    return state[BYTE_POS]
