"""HDLC framing done by the host, for ECM frames sent and received as image data.

Most Class 1 modems frame HDLC only at V.21 (``+FTH=3``). At image speed the host frames
ECM's HDLC itself and moves the result as plain data with ``+FTM=<mod>``/``+FRM=<mod>``.
This module is that framer, pure and I/O-free:

- ``encode(frames, leading_flags=..., flags_between=...)``: the octets to write after
  ``CONNECT`` to ``+FTM``.
- ``HdlcDeframer().feed(data)``: the frames found in the octets read after ``CONNECT`` to
  ``+FRM``, incrementally; ``decode(data)`` for a whole buffer.

The rules, and where they come from:

- Frame: content (address, control, FCF, FIF), then the FCS, between flags 0x7E
  (T.30 clause 5.3.6, ISO/IEC 13239). The trailing flag of one frame may be the leading
  flag of the next, so one flag between frames is the least T.30 allows.
- FCS: CRC-16-CCITT (x^16 + x^12 + x^5 + 1) over the content, register preset to all
  ones, the remainder complemented and sent low octet first (T.30 clause 5.3.7, ISO/IEC
  13239): the CRC catalogue's CRC-16/X-25.
- Transparency: after five consecutive ones of content or FCS the sender inserts a zero,
  which the receiver removes; six ones between zeros are a flag, seven or more an abort.
- Bit order: every octet of a frame goes on the line least significant bit first (ISO/IEC
  13239), and a Class 1 modem sends each octet the DTE writes after ``+FTM`` least
  significant bit first, and packs received bits the same way after ``+FRM`` (T.31 clause
  8.3.3, T.4 clause 2.1). So here bit k of the line is bit k % 8 of octet k // 8: the
  stream is packed least significant bit first. spandsp agrees: its T.31 modem sends DTE
  octets LSB first (``non_ecm_get_bit`` in t31.c), while its HDLC engine takes and gives
  octets first bit in the *most* significant bit, which is why its T.38 path reverses
  each DTE octet before ``hdlc_rx_put_byte``; tests/interop/spandsp/hdlc_fixtures.c does
  the same.

Speed: both directions walk the octets through tables computed once at import (a few
milliseconds, and no compiler: numba's first compile would cost seconds), one lookup per
octet rather than bit by bit. An ECM block of 256 frames of 256 octets (38 s of line at
14400 bit/s) takes about 10 ms either way (tests/benchmarks/bench_hdlc_framer.py).
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable

from faxgw.t30.link import ReceivedFrame

FLAG = 0x7E
FCS_OCTETS = 2
# A receiver takes this many flags in a row as the start of framing. Random bits (what a
# modem may deliver before the preamble) look like a flag at about one bit in 256, and
# like two flags sharing a zero at one in 2^15: four in a row make that one in 2^29, and
# T.30's 200 ms preamble holds 60 flags even at 2400 bit/s.
SYNC_FLAGS = 4
# T.4 Annex A: an FCD frame is address, control, FCF, frame number and 256 octets of data.
MAX_FRAME_OCTETS = 260
# T.30 Annex A: a block starts with flags for 200 ms (± 100 ms) before its first frame.
PREAMBLE_SECONDS = 0.2

_BIT_REVERSED = bytes(int(f"{octet:08b}"[::-1], 2) for octet in range(256))


def fcs16(content: bytes) -> int:
    """The FCS of a frame's content, as a number whose low octet goes first on the line.

    binascii's CRC-CCITT is the bit-reversed twin of the HDLC one (it shifts most
    significant bit first), so it runs on bit-reversed octets and the result is reversed
    back: same polynomial and preset, and the work done in C.
    """
    crc = binascii.crc_hqx(content.translate(_BIT_REVERSED), 0xFFFF)
    reflected = _BIT_REVERSED[crc & 0xFF] << 8 | _BIT_REVERSED[crc >> 8]
    return reflected ^ 0xFFFF


def preamble_flags(bit_rate: int) -> int:
    """Flags that fill T.30's 200 ms preamble at a modem's bit rate."""
    return max(SYNC_FLAGS, round(bit_rate * PREAMBLE_SECONDS / 8))


def _stuffing_table() -> list[tuple[int, int, int]]:
    """For (ones at the end of the line so far) * 256 + octet: the line bits the octet
    becomes (first bit lowest), how many, and the ones at the end after it, times 256."""
    table = []
    for ones_before in range(5):
        for octet in range(256):
            bits = count = 0
            ones = ones_before
            for position in range(8):
                bit = octet >> position & 1
                bits |= bit << count
                count += 1
                ones = ones + 1 if bit else 0
                if ones == 5:
                    count += 1  # the inserted zero
                    ones = 0
            table.append((bits, count, ones << 8))
    return table


_STUFFING = _stuffing_table()


class _LineBits:
    """Bits packed least significant bit first into octets, as the modem sends them."""

    def __init__(self) -> None:
        self.octets = bytearray()
        self._bits = 0
        self._count = 0

    def flags(self, how_many: int) -> None:
        if self._count == 0:
            self.octets += bytes((FLAG,)) * how_many
            return
        for _ in range(how_many):
            self._bits |= FLAG << self._count
            self._count += 8
        self._flush()

    def frame(self, content: bytes) -> None:
        stuffing, bits, count, ones = _STUFFING, self._bits, self._count, 0
        for octet in content + fcs16(content).to_bytes(FCS_OCTETS, "little"):
            line_bits, line_count, ones = stuffing[ones | octet]
            bits |= line_bits << count
            count += line_count
        self._bits, self._count = bits, count
        self._flush()

    def pad_with_flag_bits(self) -> None:
        """Complete the last octet with the first bits of a flag (a zero, then ones):
        never a flag or frame on its own, and what spandsp's transmitter idles with."""
        if self._count:
            self._bits |= (FLAG & (1 << (8 - self._count)) - 1) << self._count
            self._count = 8
            self._flush()

    def _flush(self) -> None:
        whole = self._count >> 3
        if whole:
            self.octets += (self._bits & (1 << 8 * whole) - 1).to_bytes(whole, "little")
            self._bits >>= 8 * whole
            self._count &= 7


def encode(frames: Iterable[bytes], *, leading_flags: int, flags_between: int,
           closing_flags: int = 1) -> bytes:
    """The octets a Class 1 modem sends after ``+FTM``: ``leading_flags`` flags, each frame
    with its FCS and zero-bit insertion, ``flags_between`` flags between frames,
    ``closing_flags`` flags after the last, and flag bits to the end of the last octet.

    ``leading_flags`` is at least SYNC_FLAGS (a receiver needs them to start framing;
    T.30 asks for 200 ms of them, see preamble_flags); ``flags_between`` at least one.
    """
    if leading_flags < SYNC_FLAGS:
        raise ValueError(f"leading_flags must be at least {SYNC_FLAGS}, not {leading_flags}")
    if flags_between < 1 or closing_flags < 1:
        raise ValueError(f"flags_between and closing_flags must be at least 1, not "
                         f"{flags_between} and {closing_flags}")
    line = _LineBits()
    line.flags(leading_flags)
    for index, content in enumerate(frames):
        if index:
            line.flags(flags_between)
        line.frame(bytes(content))
    line.flags(closing_flags)
    line.pad_with_flag_bits()
    return bytes(line.octets)


# The receiver's bit-level state is the number of ones just seen and not yet taken as
# content: a run of ones is content only once a zero ends it short of six. 7 means "in an
# abort" (seven or more ones).
_ABORT_ONES = 7
_FLAG_EVENT, _ABORT_EVENT = "flag", "abort"


def _receive_bits(ones: int, octet: int) -> tuple[list[tuple], int]:
    """Walk one received octet (first bit lowest) from the state ``ones``: the steps it
    makes (("bits", value, count) of content, ("flag",), ("abort",)) and the end state."""
    steps: list[tuple] = []
    bits = count = 0
    for position in range(8):
        if octet >> position & 1:
            if ones < _ABORT_ONES:
                ones += 1
                if ones == _ABORT_ONES:
                    steps += [("bits", bits, count), (_ABORT_EVENT,)]
                    bits = count = 0
            continue
        if ones == 6:
            steps += [("bits", bits, count), (_FLAG_EVENT,)]
            bits = count = 0
        elif ones < 5:
            bits |= ((1 << ones) - 1) << count  # the ones, then this zero
            count += ones + 1
        elif ones == 5:
            bits |= 0b11111 << count  # and the zero is a stuffed one: dropped
            count += 5
        ones = 0
    steps.append(("bits", bits, count))
    return [step for step in steps if step[0] != "bits" or step[2]], ones


def _receive_tables() -> tuple[list, list]:
    """Two tables for state * 256 + octet: octets with content bits only (the common
    case) as (bits, count, end state * 256), others as (steps, end state * 256)."""
    plain: list = []
    eventful: list = []
    for ones in range(_ABORT_ONES + 1):
        for octet in range(256):
            steps, end = _receive_bits(ones, octet)
            if all(step[0] == "bits" for step in steps):
                bits, count = (steps[0][1], steps[0][2]) if steps else (0, 0)
                plain.append((bits, count, end << 8))
                eventful.append(None)
            else:
                plain.append(None)
                eventful.append((steps, end << 8))
    return plain, eventful


_PLAIN, _EVENTFUL = _receive_tables()


class HdlcDeframer:
    """Frames out of the octets a Class 1 modem delivers after ``+FRM``, fed in pieces of
    any size.

    It hunts bit by bit for SYNC_FLAGS flags in a row or a frame with a good FCS (training
    noise and stray bits come first; flags need not be octet-aligned), then takes what
    lies between flags as frames: zero bits removed, FCS checked. A frame whose FCS
    fails, whose length is not whole octets, or which runs past ``max_frame_octets`` is
    reported with ``fcs_ok`` False (it is a hole in ECM's PPR map); fragments no longer
    than the FCS are ignored, and so is a frame cut short by an abort (seven ones) or by
    the end of the carrier. Memory is bounded by ``max_frame_octets`` whatever arrives.
    """

    def __init__(self, max_frame_octets: int = MAX_FRAME_OCTETS) -> None:
        # Content bits seen by the time the next flag shows: the frame, its FCS, and
        # the flag's opening zero.
        self._max_bits = (max_frame_octets + FCS_OCTETS) * 8 + 1
        self._max_frame_octets = max_frame_octets
        self.end()

    def end(self) -> None:
        """The carrier ended: a frame in progress is lost, and the next carrier starts
        with hunting for flags again."""
        self._state = 0  # ones just seen, times 256
        self._bits = 0  # content bits since the last flag, the first lowest
        self._count = 0
        self._synced = False
        self._in_frame = False  # a flag opened what is being collected
        self._flags_in_row = 0

    def feed(self, data: bytes) -> list[ReceivedFrame]:
        frames: list[ReceivedFrame] = []
        plain, eventful, max_bits = _PLAIN, _EVENTFUL, self._max_bits
        state, bits, count = self._state, self._bits, self._count
        for octet in data:
            entry = plain[state | octet]
            if entry is not None:
                line_bits, line_count, state = entry
                bits |= line_bits << count
                count += line_count
                if count > max_bits:
                    self._bits, self._count = bits, count
                    self._overrun(frames)
                    bits, count = self._bits, self._count
                continue
            steps, state = eventful[state | octet]
            self._bits, self._count = bits, count
            self._take_steps(steps, frames)
            bits, count = self._bits, self._count
        self._state, self._bits, self._count = state, bits, count
        return frames

    def _take_steps(self, steps: list[tuple], frames: list[ReceivedFrame]) -> None:
        for step in steps:
            if step[0] == "bits":
                self._bits |= step[1] << self._count
                self._count += step[2]
            elif step[0] == _FLAG_EVENT:
                self._flag(frames)
            else:
                self._in_frame = False
                self._flags_in_row = 0
                self._bits = self._count = 0

    def _flag(self, frames: list[ReceivedFrame]) -> None:
        # The flag's opening zero was taken as content before its six ones came.
        content_bits = self._count - 1
        if content_bits <= 0:
            self._flags_in_row += 1
            self._synced = self._synced or self._flags_in_row >= SYNC_FLAGS
        else:
            self._flags_in_row = 1
            frame = self._frame(content_bits) if self._in_frame else None
            # Before synchronisation only a good FCS tells a frame from noise; it also
            # synchronises, so a bit error in a short preamble loses no frame.
            if frame is not None and (self._synced or frame.fcs_ok):
                frames.append(frame)
                self._synced = True
        self._in_frame = True
        self._bits = self._count = 0

    def _frame(self, content_bits: int) -> ReceivedFrame | None:
        octets, stray_bits = divmod(content_bits, 8)
        if octets <= FCS_OCTETS:
            return None
        line = (self._bits & (1 << 8 * octets) - 1).to_bytes(octets, "little")
        content, fcs = line[:-FCS_OCTETS], line[-FCS_OCTETS:]
        fcs_ok = not stray_bits and fcs16(content) == int.from_bytes(fcs, "little")
        return ReceivedFrame(content, fcs_ok)

    def _overrun(self, frames: list[ReceivedFrame]) -> None:
        """Past the longest frame: report it damaged once, and drop bits until a flag."""
        if self._synced and self._in_frame:
            content = self._bits.to_bytes((self._count + 7) // 8, "little")
            frames.append(ReceivedFrame(content[: self._max_frame_octets], False))
        self._in_frame = False
        self._flags_in_row = 0
        self._bits = self._count = 0


def decode(data: bytes, max_frame_octets: int = MAX_FRAME_OCTETS) -> list[ReceivedFrame]:
    """The frames in one whole carrier's octets (see HdlcDeframer)."""
    return HdlcDeframer(max_frame_octets).feed(data)
