"""Page data between the DTE and a simulated Class 2 / 2.0 modem.

- ``PageDataDecoder``: DLE transparency of ``+FDT`` data, with T.32's in-band post-page
  messages and the phase C bit order of ``+FBO``/``+FBOR``.
- ``PageBuffer``: the transmit buffer of one page (XON/XOFF like Class 1's).
- ``StartChar``: the DTE's DC2 (or XON) that starts ``+FDR`` data.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from . import class2_params as cp
from .datamode import TxBuffer
from .hdlc import DLE, ETX, SUB
from .port import XON

if TYPE_CHECKING:
    from .modem import Modem

DC2 = 0x12
REVERSED = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))  # bit order of each byte


class PageDataDecoder:
    """DLE transparency of +FDT data: <DLE><DLE> a DLE, <DLE><SUB> two, <DLE><ETX> the end,
    and in T.32 <DLE><,>/<;>/<.> the end with MPS/EOM/EOP (T.32 8.3.3, Table 24)."""

    def __init__(self, in_band: bool, reverse: bool) -> None:
        self.in_band, self.reverse = in_band, reverse
        self.ppm: int | None = None
        self._pending_dle = False

    def feed(self, data: bytes) -> tuple[bytes, bool, int]:
        out = bytearray()
        for index, byte in enumerate(data):
            if self._pending_dle:
                self._pending_dle = False
                if byte == ETX:
                    return self._out(out), True, index + 1
                if self.in_band and byte in cp.IN_BAND_PPM:
                    self.ppm = cp.IN_BAND_PPM[byte]
                    return self._out(out), True, index + 1
                if byte == DLE:
                    out.append(DLE)
                elif byte == SUB:
                    out += b"\x10\x10"
            elif byte == DLE:
                self._pending_dle = True
            else:
                out.append(byte)
        return self._out(out), False, len(data)

    def _out(self, out: bytearray) -> bytes:
        return bytes(out).translate(REVERSED) if self.reverse else bytes(out)


class PageBuffer(TxBuffer):
    """The DCE's transmit buffer for one page; after the call ended it only reads the
    DTE's data to its end (dropping it) so that none of it is taken for commands."""

    def __init__(self, modem: "Modem", capacity: int, in_band: bool, reverse: bool) -> None:
        super().__init__(modem, capacity)
        self.decoder = PageDataDecoder(in_band, reverse)
        self.sent = False
        self.discard = False

    @property
    def ppm(self) -> int | None:
        return self.decoder.ppm

    def sink(self, data: bytes) -> int:
        if not self.discard:
            return super().sink(data)
        _, ended, used = self.decoder.feed(data)
        if ended:
            self.ended = True
            self.modem.set_sink(None)
        self.changed.set()
        return used

    def drop_rest(self) -> None:
        self.discard = True
        self.data.clear()
        self.release()


class StartChar:
    """Reads the DTE's DC2 (or XON, efax ``-ix``) that starts +FDR data (T.32 8.3.4)."""

    def __init__(self, modem: "Modem") -> None:
        self.modem = modem
        self.got = asyncio.Event()

    def sink(self, data: bytes) -> int:
        for index, byte in enumerate(data):
            if byte in (DC2, XON):
                self.got.set()
                self.modem.set_sink(None)
                return index + 1
        return len(data)  # anything else before it is dropped

    async def wait(self, timeout_s: float) -> bool:
        try:
            await asyncio.wait_for(self.got.wait(), timeout_s)
            return True
        except asyncio.TimeoutError:
            return False
