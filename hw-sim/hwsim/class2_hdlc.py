"""HDLC at image speed as a modem's DSP does it for its own ECM: frames to line bits and back.

hw-sim's line carries image data as octets whose bits go out least significant first (as a
Class 1 modem sends a DTE's +FTM data); ECM framed in the modem becomes exactly such data:
flags 0x7E, the frame and its FCS with a zero after every five ones (ISO/IEC 13239, T.30
5.3.6), flags between frames. So a Class 2 modem's ECM can be read by a Class 1 DTE that
deframes ECM itself, and the modem reads ECM such a DTE framed.
"""

from __future__ import annotations

from .hdlc import fcs_good, with_fcs

FLAG_BITS = (0, 1, 1, 1, 1, 1, 1, 0)  # 0x7E, first bit first


def _bits_of(data: bytes):
    for byte in data:
        for k in range(8):
            yield (byte >> k) & 1


class Framer:
    """Frames to octets, frame by frame; bits that do not fill an octet wait for the next."""

    def __init__(self, leading_flags: int = 2) -> None:
        self._bits: list[int] = list(FLAG_BITS) * leading_flags

    def frame(self, frame: bytes) -> bytes:
        ones = 0
        for bit in _bits_of(with_fcs(frame)):
            self._bits.append(bit)
            ones = ones + 1 if bit else 0
            if ones == 5:
                self._bits.append(0)
                ones = 0
        self._bits.extend(FLAG_BITS)
        return self._octets()

    def close(self) -> bytes:
        """The rest, padded with flags to whole octets (and one more flag)."""
        self._bits.extend(FLAG_BITS)
        while len(self._bits) % 8:
            self._bits.extend(FLAG_BITS[:8 - len(self._bits) % 8])
        return self._octets()

    def _octets(self) -> bytes:
        whole = len(self._bits) // 8 * 8
        out = bytes(sum(bit << k for k, bit in enumerate(self._bits[i:i + 8]))
                    for i in range(0, whole, 8))
        del self._bits[:whole]
        return out


class Deframer:
    """Octets from the line to (frame without FCS, FCS good) as flags close them."""

    def __init__(self) -> None:
        self._ones = 0
        self._frame_bits: list[int] | None = None  # None: hunting for a flag

    def feed(self, data: bytes) -> list[tuple[bytes, bool]]:
        frames = []
        for bit in _bits_of(data):
            if bit:
                self._ones += 1
                if self._ones > 6:
                    self._frame_bits = None  # abort: hunt for the next flag
                elif self._frame_bits is not None:
                    self._frame_bits.append(1)
                continue
            if self._ones == 6:  # a flag: ends a frame, opens the next
                frame = self._close()
                if frame is not None:
                    frames.append(frame)
                self._frame_bits = []
            elif self._ones == 5:
                pass  # a stuffed zero
            elif self._frame_bits is not None:
                self._frame_bits.append(0)
            self._ones = 0
        return frames

    def _close(self) -> tuple[bytes, bool] | None:
        bits = self._frame_bits
        if bits is None:
            return None
        bits = bits[:-7]  # the flag's 0111111, taken as data until its last bit came
        if len(bits) < 8 * 4 or len(bits) % 8:
            return None
        octets = bytes(sum(b << k for k, b in enumerate(bits[i:i + 8]))
                       for i in range(0, len(bits), 8))
        return octets[:-2], fcs_good(octets)
