"""Class 2 / 2.0 parameters of a simulated modem, as pure data and functions.

T.32 clause 8.5.1 (and its EIA-592 draft ancestor, SP-2388) describes a T.30 session by one
parameter list ``VR,BR,WD,LN,DF,EC,BF,ST``: vertical resolution, bit rate, page width, page
length, data format, error correction, file transfer and scan time. The same list is the
modem's capabilities (``+FCC``/``+FDCC``), the current session's (``+FIS``/``+FDIS``), the
negotiated ones (``+FCS``/``+FDCS``) and the remote's (``+FIS:``/``+FDIS:`` reports).

The two dialects differ in command names and a few handshakes; ``Dialect`` names them.
"""

from __future__ import annotations

from dataclasses import dataclass

# T.32 Table 21 codes, in list order.
BIT_RATES = (2400, 4800, 7200, 9600, 12000, 14400)  # BR 0..5
SCAN_MS_BY_ST = (0, 5, 10, 10, 20, 20, 40, 40)  # ST 0..7 at standard resolution
ST_BY_SCAN_MS = {0: 0, 5: 1, 10: 3, 20: 5, 40: 7}
WIDTHS_PX = (1728, 2048, 2432)  # WD 0..2
LENGTHS = ("A4", "B4", "unlimited")  # LN 0..2
CODINGS = ("MH", "MR", "uncompressed", "MMR")  # DF 0..3
FIELDS = ("vr", "br", "wd", "ln", "df", "ec", "bf", "st")
# What this simulated modem can do, per field: its firmware (spandsp's T.30) does ECM with
# 64- and 256-octet frames (EC 1, 2) and MH, MR and, under ECM, MMR (DF 0, 1, 3; 2 would be
# uncompressed mode, which it lacks); no file transfer (BF 0).
RANGES = {"vr": (0, 1), "br": tuple(range(6)), "wd": (0, 1, 2), "ln": (0, 1, 2),
          "df": (0, 1, 3), "ec": (0, 1, 2), "bf": (0,), "st": tuple(range(8))}
# A modem whose T.30 lacks ECM: EC 0 only, and no MMR (T.30 allows T.6 only with ECM).
RANGES_WITHOUT_ECM = {**RANGES, "df": (0, 1), "ec": (0,)}


@dataclass(frozen=True, slots=True)
class Params:
    vr: int = 1
    br: int = 5
    wd: int = 0
    ln: int = 2
    df: int = 1
    ec: int = 0
    bf: int = 0
    st: int = 0

    def format(self) -> str:
        return ",".join(str(getattr(self, f)) for f in FIELDS)

    def merged(self, text: str, limits: "Params | None" = None,
               ecm: bool = False) -> "Params":
        """These parameters with the given ones (empty positions keep their value).
        ValueError for a value out of range; values above ``limits`` are clipped. EC (and
        DF 3, MMR) only with ``ecm``."""
        values = {f: getattr(self, f) for f in FIELDS}
        parts = text.split(",")
        if len(parts) > len(FIELDS) + 1:  # T.32 adds JP (JPEG) as a ninth: only 0
            raise ValueError("too many parameters")
        for field, part in zip(FIELDS + ("jp",), parts):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise ValueError(f"{field}: {part!r}")
            value = int(part)
            if field == "jp":
                if value:
                    raise ValueError("JPEG is not supported")
                continue
            allowed = (RANGES if ecm else RANGES_WITHOUT_ECM)[field]
            if value not in allowed:
                raise ValueError(f"{field}={value} out of range")
            if limits is not None and field != "st" and value > getattr(limits, field):
                value = getattr(limits, field)  # T.32 8.5.1.2: clipped to +FCC
            values[field] = value
        return Params(**values)


def ranges_text(ecm: bool = False) -> str:
    """The answer to ``+FCC=?``: one range per field, ``(0-5)`` or a list ``(0,1,3)``."""
    ranges = RANGES if ecm else RANGES_WITHOUT_ECM

    def text(values: tuple[int, ...]) -> str:
        if len(values) == 1:
            return f"({values[0]})"
        if values == tuple(range(values[0], values[-1] + 1)):
            return f"({values[0]}-{values[-1]})"
        return "(" + ",".join(map(str, values)) + ")"

    return ",".join(text(ranges[f]) for f in FIELDS)


@dataclass(frozen=True, slots=True)
class Dialect:
    """Command and report names of one Class 2 dialect."""

    fclass: str
    caps: str  # +FCC / +FDCC
    session: str  # +FIS / +FDIS
    negotiated: str  # +FCS / +FDCS
    local_id: str  # +FLI / +FLID
    polling_id: str  # +FPI / +FCIG
    bit_order: str  # +FBO / +FBOR
    page_status: str  # +FPS / +FPTS (command set by the receiving DTE, and report)
    hangup: str  # +FHS / +FHNG
    abort: str  # +FKS / +FK
    connected: str  # +FCO / +FCON
    remote_csi: str  # +FCI / +FCSI
    remote_tsi: str  # +FTI / +FTSI
    in_band_ppm: bool  # 2.0: <DLE><,;.> end a page with its post-page message
    xon_after_fdt: bool  # Class 2: the DCE sends XON when ready for +FDT data
    rx_reversed: bool  # Class 2 (+FBOR=0): received phase C data reaches the DTE reversed


T32 = Dialect("2.0", "+FCC", "+FIS", "+FCS", "+FLI", "+FPI", "+FBO", "+FPS", "+FHS", "+FKS",
              "+FCO", "+FCI", "+FTI", in_band_ppm=True, xon_after_fdt=False,
              rx_reversed=False)
# SP-2388 (the EIA-592 draft most "Class 2" modems follow). Received data with +FBOR=0 comes
# bit-reversed, as on the Rockwell-family modems efax was written against (efax reverses
# Class 2 receive data unless told ``-or``).
SP2388 = Dialect("2", "+FDCC", "+FDIS", "+FDCS", "+FLID", "+FCIG", "+FBOR", "+FPTS", "+FHNG",
                 "+FK", "+FCON", "+FCSI", "+FTSI", in_band_ppm=False, xon_after_fdt=True,
                 rx_reversed=True)
DIALECTS = {"2.0": T32, "2": SP2388}

# Post-page messages: +FET=n and the T.32 in-band <DLE><c> (Table 24).
PPM_MPS, PPM_EOM, PPM_EOP = 0, 1, 2
IN_BAND_PPM = {ord(","): PPM_MPS, ord(";"): PPM_EOM, ord("."): PPM_EOP}

# Post-page response codes of +FPS/+FPTS (T.32 Table 25).
FPS_MCF, FPS_RTN, FPS_RTP, FPS_PIN, FPS_PIP = 1, 2, 3, 4, 5

# Hang-up status codes (T.32 Table 26; the same numbers as +FHNG in SP-2388).
HS_NORMAL = 0
HS_ABORTED = 2  # +FK/+FKS or CAN
HS_NO_ANSWER_T1 = 11  # phase A: no fax answer within T1
HS_TX_B = 20  # unspecified transmit phase B error (the far end went)
HS_REMOTE_CANNOT = 21
HS_TX_COMREC_INVALID = 23
HS_DCS_UNANSWERED = 25
HS_TRAINING_FAILED = 27
HS_TX_C = 40
HS_DTE_UNDERFLOW_TX = 43
HS_TX_D = 50
HS_TX_D_INVALID = 53
HS_MPS_UNANSWERED = 52
HS_EOP_UNANSWERED = 54
HS_RX_B = 70
HS_RX_COMREC_ERROR = 72
HS_RX_T2 = 73
HS_RX_C = 90
HS_DTE_UNDERFLOW_RX = 93
HS_RX_D = 100
HS_RX_D_INVALID = 102
