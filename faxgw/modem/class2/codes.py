"""What a Class 2 / 2.0 modem reports, as pure data and functions (no I/O).

- The session parameter list ``VR,BR,WD,LN,DF,EC,BF,ST`` of ``+FCS:``/``+FDCS:`` (T.32
  clause 8.5.1, Table 21) becomes a ``PageFormat``.
- Hang-up status codes of ``+FHS:``/``+FHNG:`` (T.32 Table 26; SP-2388 uses the same
  numbers) become faxgw's ``Outcome`` and the T.30 phase the call ended in.
- Page status ``+FPS:``/``+FPTS:`` (T.32 Table 25): 1 MCF, 2 RTN, 3 RTP, 4 PIN, 5 PIP.
- The report lines of a reply (``+FCI:"..."``, ``+FHS:00``...) by name.
"""

from __future__ import annotations

from faxgw.outcome import Outcome
from faxgw.session import WIDTH_A3_PX, WIDTH_A4_PX, WIDTH_B4_PX, Coding, PageFormat, Resolution

BIT_RATES = (2400, 4800, 7200, 9600, 12000, 14400)  # BR 0..5
WIDTHS = (WIDTH_A4_PX, WIDTH_B4_PX, WIDTH_A3_PX)  # WD 0..2
CODINGS = {0: Coding.MH, 1: Coding.MR, 3: Coding.MMR}  # DF (2 = uncompressed: not ours)
SCAN_MS = (0, 5, 10, 10, 20, 20, 40, 40)  # ST 0..7 at standard resolution
SCAN_MS_FINE = (0, 5, 5, 10, 10, 20, 20, 40)  # ... and at fine (ST 2, 4, 6 halve)

PAGE_GOOD = {1: "MCF", 3: "RTP", 5: "PIP"}  # the page is on paper
PAGE_BAD = {2: "RTN", 4: "PIN"}  # not accepted: send it again (after retraining)


def parse_params(text: str) -> list[int]:
    """``"1,5,0,2,1,0,0,0"`` (spaces and a hex form ``0x`` tolerated) -> integers."""
    values = []
    for part in text.split(","):
        part = part.strip().strip('"')
        if not part:
            values.append(0)
            continue
        values.append(int(part, 16) if part.lower().startswith("0x") else int(part))
    if len(values) < 8:
        raise ValueError(f"session parameters need 8 values: {text!r}")
    return values


def page_format(text: str) -> PageFormat:
    """The negotiated page format of a ``+FCS:`` report; ValueError if it is not one
    faxgw can code (uncompressed mode, JPEG, unknown rates)."""
    vr, br, wd, _ln, df, ec, _bf, st = parse_params(text)[:8]
    if br >= len(BIT_RATES) or wd >= len(WIDTHS) or df not in CODINGS or st >= len(SCAN_MS):
        raise ValueError(f"session parameters faxgw cannot code for: {text!r}")
    fine = bool(vr & 1)
    return PageFormat(coding=CODINGS[df],
                      resolution=Resolution.FINE if fine else Resolution.STANDARD,
                      width_px=WIDTHS[wd], min_scan_ms=(SCAN_MS_FINE if fine else SCAN_MS)[st],
                      bit_rate=BIT_RATES[br], ecm=ec > 0)


def modulation_family(bit_rate: int) -> str | None:
    """The family a rate implies where it is unambiguous (7200/9600 are V.29 or V.17)."""
    return {2400: "V.27ter", 4800: "V.27ter", 12000: "V.17", 14400: "V.17"}.get(bit_rate)


ECM_FRAME_OCTETS = {1: 64, 2: 256}  # EC 1, 2 (T.32 Table 21)


def ecm_frame_size(text: str) -> int | None:
    """Octets per ECM frame of a ``+FCS:`` report; None without ECM."""
    return ECM_FRAME_OCTETS.get(parse_params(text)[5])


def session_params(fine: bool, bit_rate_code: int, df: int, ec: int = 0) -> str:
    """``VR,BR,WD,LN,DF,EC,BF,ST`` for +FCC/+FIS: A4 width, any length, scan time 0."""
    return f"{int(fine)},{bit_rate_code},0,2,{df},{ec},0,0"


# --- hang-up codes ------------------------------------------------------------------------

_EXACT = {
    0: Outcome.SUCCESS,
    1: Outcome.NO_FAX_AT_FAR_END,  # ring detected without a successful handshake
    2: Outcome.CANCELLED,  # +FK/+FKS or CAN: we ended it
    3: Outcome.NO_DIALTONE,  # no loop current: the line is not there
    4: Outcome.NO_ANSWER,  # ringback detected, no answer
    5: Outcome.NO_FAX_AT_FAR_END,  # answered without CED
    11: Outcome.NO_FAX_AT_FAR_END,  # T1 ran out: no fax machine answered
    21: Outcome.INCOMPATIBLE,  # remote cannot receive or send
    25: Outcome.PROTOCOL_TIMEOUT,  # DCS sent three times without response
    27: Outcome.TRAINING_FAILED,  # failure to train at 2400 bit/s
    43: Outcome.MODEM_FAULT,  # DTE to DCE data underflow (we were too slow)
    52: Outcome.PROTOCOL_TIMEOUT,  # no response to MPS repeated 3 times
    54: Outcome.EOP_UNANSWERED,  # no response to EOP repeated 3 times
    56: Outcome.PROTOCOL_TIMEOUT,  # no response to EOM repeated 3 times
    58: Outcome.PAGE_REJECTED,  # unable to continue after PIN or PIP
    73: Outcome.PROTOCOL_TIMEOUT,  # T2 ran out: expected page not received
    74: Outcome.PROTOCOL_TIMEOUT,  # T1 ran out after EOM
    93: Outcome.MODEM_FAULT,  # DCE to DTE underflow
    94: Outcome.MODEM_FAULT,  # DCE to DTE overflow (we did not read fast enough)
    103: Outcome.PAGE_REJECTED,
}
# The unspecified error of each phase (10, 20, 40, 50, 70, 90, 100): in practice the far
# end went away. Everything else in a phase's range is a protocol error.
_UNSPECIFIED = {10: Outcome.NO_CARRIER, 20: Outcome.FAR_END_HUNG_UP,
                40: Outcome.FAR_END_HUNG_UP, 50: Outcome.FAR_END_HUNG_UP,
                70: Outcome.FAR_END_HUNG_UP, 90: Outcome.FAR_END_HUNG_UP,
                100: Outcome.FAR_END_HUNG_UP}


def hangup_outcome(code: int) -> Outcome:
    """The outcome a hang-up status code stands for (T.32 Table 26)."""
    if code in _EXACT:
        return _EXACT[code]
    if code in _UNSPECIFIED:
        return _UNSPECIFIED[code]
    if 10 <= code < 110:
        return Outcome.PROTOCOL_ERROR
    return Outcome.MODEM_FAULT  # 120 and up: DCE-specific faults


def hangup_phase(code: int) -> str:
    """The T.30 phase a hang-up code belongs to (A call set-up ... E release)."""
    if code == 0:
        return "E"
    if code < 20:
        return "A"
    if code < 40 or 70 <= code < 90:
        return "B"
    if code < 50 or 90 <= code < 100:
        return "C"
    return "D"


# --- report lines -------------------------------------------------------------------------

def range_max(info: tuple[str, ...], position: int) -> int:
    """The highest value a ``+FCC=?`` answer allows at ``position`` (0-based): its
    ranges look like ``(0-1),(0-5),(0),...`` or ``(0,1)``; 0 when it is not there."""
    text = " ".join(info)
    if ":" in text:
        text = text.split(":", 1)[1]
    groups = [g.strip(" ()") for g in text.split("),")]
    if position >= len(groups):
        return 0
    numbers = [int(n) for n in groups[position].replace("-", ",").split(",")
               if n.strip().isdigit()]
    return max(numbers, default=0)


def report(info: tuple[str, ...], *names: str) -> str | None:
    """The value of the last report line starting with one of ``names`` + ':' (quotes
    around a string value removed)."""
    found = None
    for line in info:
        for name in names:
            if line.upper().startswith(name + ":"):
                found = line[len(name) + 1:].strip()
    if found is not None and len(found) >= 2 and found[0] == found[-1] == '"':
        found = found[1:-1].strip()
    return found


def first_number(text: str | None) -> int | None:
    if text is None:
        return None
    head = text.split(",")[0].strip()
    try:
        return int(head, 16) if head.lower().startswith("0x") else int(head)
    except ValueError:
        return None
