"""Pure framing helpers: the HDLC FCS and DLE transparency of T.31.

- FCS: the 16-bit frame check sequence of T.30 clause 5.3.7 (ISO/IEC 3309): CRC-CCITT
  computed LSB first, initial value all ones, complemented, sent low octet first. The DCE
  computes it on transmit and checks it on receive (T.31 clause 8.3.1).
- DLE transparency (T.31 clause 8.3.2/8.3.3): in data state a DLE in the data is sent as
  DLE DLE; DLE ETX ends the data; DLE SUB stands for DLE DLE.
"""

from __future__ import annotations

DLE = 0x10
ETX = 0x03
SUB = 0x1A
DLE_ETX = bytes((DLE, ETX))


def _make_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _make_table()


def fcs16(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc ^ 0xFFFF


def with_fcs(frame: bytes) -> bytes:
    """The frame followed by its FCS, low octet first, as the line carries it."""
    return frame + fcs16(frame).to_bytes(2, "little")


def fcs_good(frame_and_fcs: bytes) -> bool:
    if len(frame_and_fcs) < 3:
        return False
    return fcs16(frame_and_fcs[:-2]) == int.from_bytes(frame_and_fcs[-2:], "little")


def dle_stuff(data: bytes, double_dle: bool = True) -> bytes:
    """Data as the DCE sends it to the DTE: each DLE doubled (unless a quirk says not)."""
    return data.replace(b"\x10", b"\x10\x10") if double_dle else data


class DleDecoder:
    """Undo DLE transparency on a byte stream from the DTE, incrementally.

    ``feed`` returns the decoded data, whether DLE ETX was seen, and how many input bytes
    were consumed (bytes after DLE ETX belong to command state and are left to the caller).
    """

    def __init__(self) -> None:
        self._pending_dle = False
        self.unknown_escapes = 0

    def feed(self, data: bytes) -> tuple[bytes, bool, int]:
        # Runs between DLEs are copied whole (bytes.find runs in C): a DTE writes a page
        # of 20 KB in a burst, and a byte-by-byte loop here held up every other line.
        out = bytearray()
        i, n = 0, len(data)
        if self._pending_dle and n:
            self._pending_dle = False
            if data[0] == ETX:
                return b"", True, 1
            self._escaped(data[0], out)
            i = 1
        while i < n:
            j = data.find(b"\x10", i)
            if j < 0:
                out += data[i:]
                break
            out += data[i:j]
            if j + 1 == n:
                self._pending_dle = True
                break
            if data[j + 1] == ETX:
                return bytes(out), True, j + 2
            self._escaped(data[j + 1], out)
            i = j + 2
        return bytes(out), False, n

    def _escaped(self, byte: int, out: bytearray) -> None:
        if byte == DLE:
            out.append(DLE)
        elif byte == SUB:
            out += b"\x10\x10"
        else:
            self.unknown_escapes += 1  # T.31 leaves other escapes undefined: dropped
