"""The seam between the T.30 session runner and a Class 1 modem (ITU-T T.31).

The runner (which drives the I/O-free engine) talks to the line only through a
``Class1Link``. ``faxgw.modem.class1.link`` implements it over AT commands; tests may
implement it over an in-memory line. Nothing here does I/O: these are types only, so
``faxgw.t30`` keeps importing neither asyncio nor serial code.

Frames cross this seam as the HDLC frame *content* of T.30 clause 5.3: address (0xFF),
control (0x03, or 0x13 for the final frame of a response), FCF, then FIF. Flags and the
FCS are the modem's business at V.21 (T.31 clause 8.3.1): the modem appends the FCS on
transmit and checks it on receive; ECM's frames at image speed are usually framed by the
link itself (most modems frame HDLC at V.21 only).

Image data crosses as bytes in the order the line carries it: the first bit in time is
the least significant bit of each byte (T.31 clause 8.3.3, T.4 clause 2.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol


class Modulation(IntEnum):
    """Carrier modulations by their T.31 ``<mod>`` code (T.31 Table 1)."""

    V21 = 3  # V.21 channel 2, 300 bit/s: T.30 control frames
    V27TER_2400 = 24
    V27TER_4800 = 48
    V29_7200 = 72
    V29_9600 = 96
    V17_7200 = 73  # long training
    V17_7200_SHORT = 74
    V17_9600 = 97
    V17_9600_SHORT = 98
    V17_12000 = 121
    V17_12000_SHORT = 122
    V17_14400 = 145
    V17_14400_SHORT = 146

    @property
    def bit_rate(self) -> int:
        return {3: 300, 24: 2400, 48: 4800, 72: 7200, 96: 9600, 73: 7200, 74: 7200,
                97: 9600, 98: 9600, 121: 12000, 122: 12000, 145: 14400, 146: 14400}[self.value]

    @property
    def family(self) -> str:
        if self is Modulation.V21:
            return "V.21"
        if self.value in (24, 48):
            return "V.27ter"
        if self.value in (72, 96):
            return "V.29"
        return "V.17"


@dataclass(frozen=True, slots=True)
class ReceivedFrame:
    """One HDLC frame as the modem delivered it after ``+FRH=3``.

    ``data`` is the frame content without the two FCS octets; ``fcs_ok`` is False when the
    modem answered ERROR after the frame (T.31 clause 8.3.1: bad FCS).
    """

    data: bytes
    fcs_ok: bool = True

    @property
    def fcf(self) -> int | None:
        return self.data[2] if len(self.data) >= 3 else None

    @property
    def is_final(self) -> bool:
        return len(self.data) >= 2 and bool(self.data[1] & 0x10)


class LinkError(Exception):
    """Base of what a Class 1 link raises; the runner maps each to an outcome."""


class LinkTimeout(LinkError):
    """Nothing arrived within the timeout (the modem gave no CONNECT, or no data)."""


class WrongCarrier(LinkError):
    """The modem heard a different modulation than asked for (``+FCERROR``)."""


class CarrierLost(LinkError):
    """The carrier dropped (``NO CARRIER``) before the expected data ended."""


class LineDropped(LinkError):
    """The call is gone: the far end hung up or the line went dead."""


class ModemFault(LinkError):
    """The modem itself failed: no answer to commands, garbage, or its port vanished."""


class DialResult(IntEnum):
    CONNECTED = 0
    BUSY = 1
    NO_ANSWER = 2
    NO_CARRIER = 3
    NO_DIALTONE = 4
    ERROR = 5


class Class1Link(Protocol):
    """Class 1 primitives the T.30 runner needs; one call of a session at a time.

    Optional, not part of the protocol's required members (so that any link without it
    still conforms): ``hang_up_budget_s: float``, the longest ``hang_up`` can take, e.g.
    ATH0 followed by a whole recovery ladder on a modem that stopped answering. The runner
    waits that long for the hang-up (never less than its own configured bound), so that
    the recovery is not abandoned half-way and left running after the session returned.
    """

    async def dial(self, number: str, timeout_s: float) -> DialResult:
        """Dial (``ATD``) and return once the far end answered and the modem listens on V.21."""

    async def answer(self, timeout_s: float) -> None:
        """Answer a ringing call (``ATA``); returns once CED is sent and V.21 is up."""

    async def send_frames(self, frames: list[bytes]) -> None:
        """``+FTH=3`` and send each frame in turn (one V.21 carrier); returns after OK."""

    async def receive_frame(self, timeout_s: float) -> ReceivedFrame:
        """``+FRH=3`` (or the next frame of a carrier already up); raises LinkTimeout etc."""

    async def send_hdlc(self, modulation: Modulation, frames: list[bytes]) -> None:
        """ECM: the frames in one carrier at an image modulation, carrier off after the
        last: framed by the host and sent as ``+FTM=<mod>`` data, or by the modem with
        ``+FTH=<mod>`` (T.31 8.3.5). Only needed by a link whose sessions use ECM."""

    async def receive_hdlc(self, modulation: Modulation, timeout_s: float
                           ) -> list[ReceivedFrame]:
        """ECM: the frames of the next carrier at an image modulation until it ends
        (deframed from ``+FRM=<mod>`` data, or ``+FRH=<mod>`` frame after frame); frames
        with a bad FCS are returned marked (``fcs_ok`` False)."""

    async def send_image(self, modulation: Modulation, data: bytes) -> None:
        """``+FTM=<mod>``, send data (LSB first, DLE-stuffed by the link), DLE ETX, wait OK."""

    async def receive_image(self, modulation: Modulation, timeout_s: float) -> bytes:
        """``+FRM=<mod>`` and return the data up to DLE ETX / carrier loss."""

    async def send_silence(self, ms: int) -> None:
        """``+FTS=<ms/10>``: stay silent before transmitting (T.30 clause 5.3.3: 75 ms)."""

    async def wait_silence(self, ms: int) -> None:
        """``+FRS=<ms/10>``: wait until the line has been silent that long."""

    async def hang_up(self) -> None:
        """Drop the call (``ATH0``). Never raises for an already dead line. Bounded by
        ``hang_up_budget_s`` when the link declares it (see the class docstring)."""
