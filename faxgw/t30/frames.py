"""T.30 HDLC frames: facsimile control field (FCF) codes, frame building and parsing,
station identities.

Values are the FCF octets as the modem hands them over (first bit in time = least
significant bit), i.e. the bit strings of T.30 clause 5.3.6.1 read right to left. Bit 0
is the "X" bit of most commands and responses: T.30 clause 5.3.6.1 has the station that
received a valid DIS set it to 1 in everything it sends, the other station to 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

ADDRESS = 0xFF  # T.30 clause 5.3.4: the one address of the GSTN
CONTROL_NOT_FINAL = 0x03  # T.30 clause 5.3.5: more frames follow in this carrier
CONTROL_FINAL = 0x13  # the last frame of the transmission (P/F bit set)

IDENT_LENGTH = 20  # T.30 clause 5.3.6.2.4: CSI/TSI/CIG carry 20 characters


class FCF(IntEnum):
    """Facsimile control fields by their ITU names (T.30 clause 5.3.6.1)."""

    # Initial identification (called -> calling); no X bit: their first bit is fixed.
    DIS = 0x80
    CSI = 0x40
    NSF = 0x20
    # Command to send (a calling station that wants to receive: polling).
    DTC = 0x81
    CIG = 0x41
    NSC = 0x21
    # Commands to receive (X bit cleared here).
    DCS = 0x82
    TSI = 0x42
    NSS = 0x22
    SUB = 0xC2
    SID = 0xA2
    CTC = 0x12
    # Pre-message responses.
    CFR = 0x84
    FTT = 0x44
    CTR = 0xC4
    # Post-message commands.
    EOM = 0x8E
    MPS = 0x4E
    EOP = 0x2E
    PRI_EOM = 0x9E
    PRI_MPS = 0x5E
    PRI_EOP = 0x3E
    PPS = 0xBE
    EOR = 0xCE
    RR = 0x6E
    # Post-message responses.
    MCF = 0x8C
    RTP = 0xCC
    RTN = 0x4C
    PIP = 0xAC
    PIN = 0x2C
    PPR = 0xBC
    RNR = 0xEC
    ERR = 0x1C
    # Other line control signals.
    DCN = 0xFA
    CRP = 0x1A
    FNV = 0xCA


# FCFs whose first bit is part of the code, not an X bit (T.30 clause 5.3.6.1.1).
_NO_X_BIT = frozenset({0x80, 0x40, 0x20, 0x81, 0x41, 0x21})

POST_PAGE_COMMANDS = frozenset({FCF.MPS, FCF.EOP, FCF.EOM,
                                FCF.PRI_MPS, FCF.PRI_EOP, FCF.PRI_EOM})


def decode_fcf(octet: int) -> FCF | None:
    """The FCF of a received octet, X bit ignored; None for a code we do not know."""
    code = octet if octet in _NO_X_BIT else octet & 0xFE
    try:
        return FCF(code)
    except ValueError:
        return None


def build_frame(fcf: FCF, fif: bytes = b"", *, final: bool = True, x_bit: bool = False) -> bytes:
    """Frame content (address, control, FCF, FIF) as the link sends it; the modem adds
    flags and FCS (T.31 clause 8.3.1)."""
    code = int(fcf)
    if x_bit and code not in _NO_X_BIT:
        code |= 0x01
    control = CONTROL_FINAL if final else CONTROL_NOT_FINAL
    return bytes((ADDRESS, control, code)) + fif


@dataclass(frozen=True, slots=True)
class Frame:
    """A parsed frame: ``fcf`` is None for an FCF we do not know, ``fif`` the rest."""

    fcf: FCF | None
    fif: bytes
    final: bool
    raw: bytes

    @property
    def name(self) -> str:
        return self.fcf.name if self.fcf is not None else f"FCF 0x{self.raw[2]:02X}"


def parse_frame(data: bytes) -> Frame | None:
    """Parse frame content; None when it is too short or not addressed as T.30 frames are."""
    if len(data) < 3 or data[0] != ADDRESS or data[1] & 0xEF != CONTROL_NOT_FINAL:
        return None
    return Frame(decode_fcf(data[2]), bytes(data[3:]), bool(data[1] & 0x10), bytes(data))


def encode_ident(ident: str) -> bytes:
    """CSI/TSI/CIG information field (T.30 clause 5.3.6.2.4): 20 characters, the last
    character of the number sent first, padded with spaces after it in time."""
    text = "".join(c for c in ident if c in "0123456789+ ")[:IDENT_LENGTH]
    return text[::-1].ljust(IDENT_LENGTH).encode("ascii")


def decode_ident(fif: bytes) -> str:
    """The number a CSI/TSI carries, in reading order; odd characters are kept visible."""
    text = bytes(fif[:IDENT_LENGTH]).decode("latin-1")
    return "".join(c if c.isprintable() else "?" for c in text[::-1]).strip()


def describe(data: bytes) -> str:
    """Short text for the trace: the FCF name and the frame in hex."""
    frame = parse_frame(data)
    name = frame.name if frame else "garbled"
    return f"{name} {data.hex(' ')}"
