"""Error correction mode (T.30 Annex A): the frames of a partial page and their bookkeeping.

Pure functions and small value types, no I/O:

- a page's coded data is cut into frames of 256 (or 64) octets, at most 256 frames per
  partial page (block); each goes out as an FCD frame (address, control, FCD, frame
  number, data), the block ends with three RCP frames (T.30 A.3.6, A.4);
- PPS carries the post-message command of the block (NULL when more of the page follows,
  MPS/EOP/EOM at its end), the page and block counters and the frame count (A.4.1);
- PPR answers with a 256-bit map, one bit per frame to send again (A.4.3);
- EOR carries the same command as PPS, CTC the new speed (bits 11-14 of DCS).

Frame numbers, counters and the bitmap are octets as the modem hands them over (the first
bit in time is the least significant bit), like every other FIF in ``faxgw.t30``.
"""

from __future__ import annotations

from dataclasses import dataclass

from faxgw.t30.bits import bits_set, set_bits
from faxgw.t30.frames import ADDRESS, CONTROL_NOT_FINAL, FCF, decode_fcf
from faxgw.t30.link import ReceivedFrame

FCD = 0x06  # facsimile coded data (T.30 A.4.2): no X bit, the FCF is fixed
RCP = 0x86  # return to control for partial page (T.30 A.4.2)
FRAME_SIZES = (256, 64)  # T.30 A.3.1: octets of data per FCD frame (DCS bit 28)
MAX_FRAMES = 256  # frames per partial page: the PPR bitmap has 256 bits
BITMAP_OCTETS = MAX_FRAMES // 8
RCP_REPEATS = 3  # T.30 A.3.6: three RCP frames end the partial page
MAX_PPRS_BEFORE_CTC = 4  # T.30 A.5: after the 4th PPR, CTC (new speed) or EOR
# The post-message commands a PPS or EOR can carry; NULL (0) marks the end of a partial
# page that is not the end of a page.
NULL = 0x00


def fcd_frame(number: int, payload: bytes) -> bytes:
    return bytes((ADDRESS, CONTROL_NOT_FINAL, FCD, number)) + payload


def rcp_frame() -> bytes:
    return bytes((ADDRESS, CONTROL_NOT_FINAL, RCP))


def is_fcd(data: bytes) -> bool:
    return len(data) >= 4 and data[0] == ADDRESS and data[2] == FCD


def is_rcp(data: bytes) -> bool:
    return len(data) >= 3 and data[0] == ADDRESS and data[2] == RCP


def split_page(data: bytes, frame_size: int) -> list[list[bytes]]:
    """The page's data as partial pages (blocks) of frames; every frame but the page's
    last is ``frame_size`` octets. A page of no data still has one frame (empty)."""
    if frame_size not in FRAME_SIZES:
        raise ValueError(f"ECM frames are 256 or 64 octets, not {frame_size}")
    frames = [data[i:i + frame_size] for i in range(0, len(data), frame_size)] or [b""]
    return [frames[i:i + MAX_FRAMES] for i in range(0, len(frames), MAX_FRAMES)]


def block_frames(payloads: list[bytes], numbers: list[int] | None = None) -> tuple[bytes, ...]:
    """The HDLC frames of one transmission: the FCD frames asked for, then RCP x 3."""
    wanted = range(len(payloads)) if numbers is None else numbers
    return tuple(fcd_frame(n, payloads[n]) for n in wanted) + (rcp_frame(),) * RCP_REPEATS


# --- PPS / EOR ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PartialPageSignal:
    """The FIF of PPS (and what EOR repeats): command, page, block, frame count."""

    command: FCF | None  # None: PPS-NULL (more of this page follows)
    page: int  # modulo 256
    block: int  # modulo 256
    frames: int  # frames in the partial page (1..256)

    def encode(self, x_bit: bool) -> bytes:
        code = NULL if self.command is None else int(self.command) | int(x_bit)
        return bytes((code, self.page % 256, self.block % 256, self.frames - 1))

    @classmethod
    def decode(cls, fif: bytes) -> PartialPageSignal:
        if len(fif) < 4:
            raise ValueError(f"PPS information field too short: {fif.hex()}")
        command = None if fif[0] & 0xFE == NULL else decode_fcf(fif[0])
        if fif[0] & 0xFE != NULL and command not in (FCF.MPS, FCF.EOP, FCF.EOM, FCF.PRI_MPS,
                                                     FCF.PRI_EOP, FCF.PRI_EOM):
            raise ValueError(f"PPS carries no post-message command: {fif[0]:#04x}")
        return cls(command, fif[1], fif[2], fif[3] + 1)

    @property
    def name(self) -> str:
        return "NULL" if self.command is None else self.command.name


# --- PPR ---------------------------------------------------------------------------------

def ppr_bitmap(missing: set[int] | list[int]) -> bytes:
    """The 32-octet PPR FIF: bit n (octet n // 8, bit n % 8, first in time first) set for
    each frame n to send again."""
    bitmap = bytearray(BITMAP_OCTETS)
    for n in missing:
        if not 0 <= n < MAX_FRAMES:
            raise ValueError(f"frame number {n} is outside a partial page")
        bitmap[n >> 3] |= 1 << (n & 7)
    return bytes(bitmap)


def frames_in_bitmap(fif: bytes, frame_count: int) -> list[int]:
    """The frames a PPR asks for, among the ``frame_count`` the block had."""
    if len(fif) < BITMAP_OCTETS:
        raise ValueError(f"PPR information field is {len(fif)} octets, not {BITMAP_OCTETS}")
    return [n for n in range(frame_count) if fif[n >> 3] & (1 << (n & 7))]


# --- CTC ---------------------------------------------------------------------------------

def ctc_fif(dcs_fif: bytes) -> bytes:
    """CTC carries the first two octets of a DCS: bits 11-14 name the new speed."""
    return bytes(dcs_fif[:2])


def ctc_rate_bits(fif: bytes) -> frozenset[int]:
    return bits_set(bytes(fif[:2]).ljust(3, b"\0")) & frozenset({11, 12, 13, 14})


def ctc_from_rate_bits(rate_bits: frozenset[int]) -> bytes:
    return set_bits(set(rate_bits))[:2]


# --- the receiver's partial page -----------------------------------------------------------

class BlockAssembly:
    """The frames of one partial page as they arrive, across retransmissions."""

    def __init__(self) -> None:
        self.frames: dict[int, bytes] = {}
        self.highest_seen = -1
        self.announced = 0  # the most frames a PPS of this partial page has named

    def frame_count(self, announced: int) -> int:
        """The frames of this partial page, given what the latest PPS says. After a PPR
        some senders (spandsp) count only the frames of that retransmission in PPS: the
        partial page is never smaller than the first PPS said, nor than the frames seen."""
        self.announced = max(self.announced, announced, self.highest_seen + 1)
        return self.announced

    def take(self, received: list[ReceivedFrame]) -> tuple[int, int]:
        """Keep the good FCD frames; (good FCD frames, frames with a bad FCS)."""
        good = bad = 0
        for frame in received:
            if not frame.fcs_ok:
                bad += 1
                continue
            if is_fcd(frame.data):
                number = frame.data[3]
                self.frames.setdefault(number, bytes(frame.data[4:]))
                self.highest_seen = max(self.highest_seen, number)
                good += 1
        return good, bad

    def missing(self, frame_count: int) -> list[int]:
        return [n for n in range(frame_count) if n not in self.frames]

    def data(self, frame_count: int) -> bytes:
        """The block's data in frame order (frames never received are left out)."""
        return b"".join(self.frames[n] for n in range(frame_count) if n in self.frames)

