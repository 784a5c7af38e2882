"""The two Class 2-family dialects: what differs between T.32 (Class 2.0) and SP-2388
(Class 2, the EIA-592 draft) is command names and three handshakes; everything else is
``Class2Base``.
"""

from __future__ import annotations

from faxgw.modem.class2.session import Class2Base


class Class20Session(Class2Base):
    """ITU-T T.32 (``+FCLASS=2.0``)."""

    FCLASS = "2.0"
    CAPS, SESSION, NEGOTIATED = "+FCC", "+FIS", "+FCS"
    LOCAL_ID, BIT_ORDER, PAGE_STATUS = "+FLI", "+FBO", "+FPS"
    HANGUP, ABORT = "+FHS", "+FKS"
    REMOTE_CSI, REMOTE_TSI = "+FCI", "+FTI"
    IN_BAND_PPM = True  # T.32 8.3.3: <DLE><,> MPS, <DLE><.> EOP end the page data
    XON_AFTER_FDT = False
    RX_REVERSED = False
    # Reports on (+FNR), copy quality checked by us not the modem (+FCQ), no packet
    # protocol (+FPP), XON/XOFF flow control (+FLO).
    SETUP = ("AT+FNR=1,1,1,0", "AT+FCQ=0,0", "AT+FPP=0", "AT+FLO=1")


class Class2Session(Class2Base):
    """SP-2388 / EIA-592 draft (``+FCLASS=2``)."""

    FCLASS = "2"
    CAPS, SESSION, NEGOTIATED = "+FDCC", "+FDIS", "+FDCS"
    LOCAL_ID, BIT_ORDER, PAGE_STATUS = "+FLID", "+FBOR", "+FPTS"
    HANGUP, ABORT = "+FHNG", "+FK"
    REMOTE_CSI, REMOTE_TSI = "+FCSI", "+FTSI"
    IN_BAND_PPM = False  # <DLE><ETX>, then AT+FET=<ppm>
    XON_AFTER_FDT = True  # the modem says XON when it is ready for page data
    # With +FBOR=0 these modems hand received data over bit-reversed (efax reverses it too).
    RX_REVERSED = True
    SETUP = ("AT+FCQ=0,0",)


SESSIONS: dict[str, type[Class2Base]] = {"2.0": Class20Session, "2": Class2Session}
