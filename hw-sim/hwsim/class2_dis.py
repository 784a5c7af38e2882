"""T.30 frames as a Class 2 modem reports them: DIS/DCS bits to T.32 parameter lists, idents.

Frames are as on hw-sim's line (and in spandsp): address, control, FCF (the X bit in its low
bit), FIF; a DIS/DCS bit n is bit (n-1) mod 8 of FIF octet (n-1) div 8 (T.30 Table 2).
"""

from __future__ import annotations

from . import class2_params as cp

# FCFs with the X bit cleared, in the line's bit order.
DIS, CSI, DCS, TSI, CFR, FTT = 0x80, 0x40, 0x82, 0x42, 0x84, 0x44
EOM, MPS, EOP, PPS = 0x8E, 0x4E, 0x2E, 0xBE
MCF, RTP, RTN, PIP, PIN, PPR, DCN = 0x8C, 0xCC, 0x4C, 0xAC, 0x2C, 0xBC, 0xFA
FCD, RCP = 0x06, 0x86
# Post-page messages and responses as +FET and +FPS codes.
PPM_CODE = {MPS: cp.PPM_MPS, EOM: cp.PPM_EOM, EOP: cp.PPM_EOP}
RESPONSE_CODE = {MCF: cp.FPS_MCF, RTN: cp.FPS_RTN, RTP: cp.FPS_RTP, PIN: cp.FPS_PIN,
                 PIP: cp.FPS_PIP}
# DCS bits 11-14 (11 first) -> bit rate; DIS bits 11-14 -> the fastest rate offered.
_DCS_RATES = {(0, 0, 0, 0): 2400, (0, 1, 0, 0): 4800, (1, 0, 0, 0): 9600, (1, 1, 0, 0): 7200,
              (0, 0, 0, 1): 14400, (0, 1, 0, 1): 12000, (1, 0, 0, 1): 9600,
              (1, 1, 0, 1): 7200}
# Bits 21-23 -> minimum scan line time in ms.
_SCAN_MS = {(0, 0, 0): 20, (0, 0, 1): 40, (0, 1, 0): 10, (1, 0, 0): 5, (1, 1, 1): 0}


def fcf(frame: bytes) -> int | None:
    return frame[2] & 0xFE if len(frame) >= 3 else None


def bit(fif: bytes, n: int) -> int:
    octet = (n - 1) // 8
    return (fif[octet] >> ((n - 1) % 8)) & 1 if octet < len(fif) else 0


def _extended(fif: bytes, n: int) -> int:
    """Bit n, counted only where the octets before it say they are extended (bit 24, 32..)."""
    for extend in range(24, n, 8):
        if not bit(fif, extend):
            return 0
    return bit(fif, n)


def params(fif: bytes, command: bool) -> cp.Params:
    """The T.32 parameter list of a DCS (``command``) or of a DIS (what it offers at most)."""
    rates = tuple(bit(fif, n) for n in (11, 12, 13, 14))
    if command:
        rate = _DCS_RATES.get(rates, 2400)
    else:
        rate = 14400 if rates[3] else 9600 if rates[0] else 4800 if rates[1] else 2400
    t6 = _extended(fif, 31)
    df = 3 if t6 and (not command or _extended(fif, 27)) else 1 if bit(fif, 16) else 0
    ecm = _extended(fif, 27)
    small_frames = _extended(fif, 28) if command else 0
    wd = 2 if bit(fif, 18) else 1 if bit(fif, 17) else 0
    ln = 2 if bit(fif, 20) else 1 if bit(fif, 19) else 0
    scan = _SCAN_MS.get(tuple(bit(fif, n) for n in (21, 22, 23)), 0)
    return cp.Params(vr=bit(fif, 15), br=cp.BIT_RATES.index(rate), wd=wd, ln=ln, df=df,
                     ec=(1 if small_frames else 2) if ecm else 0, bf=0,
                     st=cp.ST_BY_SCAN_MS.get(scan, 0))


def ident(fif: bytes) -> str:
    """A CSI/TSI's number: 20 characters sent last first, padded with spaces."""
    return bytes(reversed(fif)).decode("ascii", "replace").strip()
