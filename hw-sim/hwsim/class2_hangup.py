"""How spandsp's T.30 ended a call, as the +FHS/+FHNG code of T.32 Table 26."""

from __future__ import annotations

from . import class2_params as cp

# spandsp 0.0.6's T30_ERR_* completion codes (spandsp/t30.h), by name.
OK, CEDTONE, T0_EXPIRED, T1_EXPIRED, T3_EXPIRED, HDLC_CARRIER, CANNOT_TRAIN = range(7)
OPER_INT_FAIL, INCOMPATIBLE, RX_INCAPABLE, TX_INCAPABLE = 7, 8, 9, 10
NORESSUPPORT, NOSIZESUPPORT, UNEXPECTED = 11, 12, 13
TX_BADDCS, TX_BADPG, TX_ECMPHD, TX_GOTDCN, TX_INVALRSP, TX_NODIS = 14, 15, 16, 17, 18, 19
TX_PHBDEAD, TX_PHDDEAD, TX_T5EXP = 20, 21, 22
RX_ECMPHD, RX_GOTDCS, RX_INVALCMD, RX_NOCARRIER, RX_NOEOL, RX_NOFAX = 23, 24, 25, 26, 27, 28
RX_T2EXPDCN, RX_T2EXPD, RX_T2EXPFAX, RX_T2EXPMPS, RX_T2EXPRR, RX_T2EXP = range(29, 35)
RX_DCNWHY, RX_DCNDATA, RX_DCNFAX, RX_DCNPHD, RX_DCNRRD, RX_DCNNORTN = range(35, 41)
RETRYDCN, CALLDROPPED = 48, 49

_FIXED = {
    OK: cp.HS_NORMAL,
    CANNOT_TRAIN: cp.HS_TRAINING_FAILED,
    INCOMPATIBLE: cp.HS_REMOTE_CANNOT, RX_INCAPABLE: cp.HS_REMOTE_CANNOT,
    TX_INCAPABLE: cp.HS_REMOTE_CANNOT, NORESSUPPORT: cp.HS_REMOTE_CANNOT,
    NOSIZESUPPORT: cp.HS_REMOTE_CANNOT,
    TX_BADDCS: cp.HS_TX_COMREC_INVALID, TX_NODIS: cp.HS_TX_COMREC_INVALID,
    TX_PHBDEAD: cp.HS_DCS_UNANSWERED,
    TX_INVALRSP: cp.HS_TX_D_INVALID, TX_ECMPHD: cp.HS_TX_D_INVALID,
    RX_GOTDCS: cp.HS_RX_COMREC_ERROR, RX_DCNWHY: cp.HS_RX_B,
    RX_INVALCMD: cp.HS_RX_D_INVALID, RX_ECMPHD: cp.HS_RX_D_INVALID,
    RX_NOCARRIER: cp.HS_RX_C, RX_NOEOL: cp.HS_RX_C, RX_DCNDATA: cp.HS_RX_C,
    RX_DCNFAX: cp.HS_RX_D, RX_DCNPHD: cp.HS_RX_D, RX_DCNRRD: cp.HS_RX_D,
    RX_DCNNORTN: cp.HS_RX_D,
    RX_T2EXPDCN: cp.HS_RX_T2, RX_T2EXPD: cp.HS_RX_T2, RX_T2EXPFAX: cp.HS_RX_T2,
    RX_T2EXPMPS: cp.HS_RX_T2, RX_T2EXPRR: cp.HS_RX_T2, RX_T2EXP: cp.HS_RX_T2,
}


def gone(phase: str, sending: bool) -> int:
    """The far end went away (or the line did): the unspecified error of the phase."""
    by_phase = ({"A": cp.HS_TX_B, "B": cp.HS_TX_B, "C": cp.HS_TX_C} if sending else
                {"A": cp.HS_RX_B, "B": cp.HS_RX_B, "C": cp.HS_RX_C})
    return by_phase.get(phase, cp.HS_TX_D if sending else cp.HS_RX_D)


def hangup_code(completion: int, phase: str, sending: bool, last_ppm: int | None) -> int:
    """The code for spandsp's ``completion`` in the call's ``phase`` (A..D); ``last_ppm``
    is the post-page message a sender sent last (for a PPM left unanswered)."""
    if completion in _FIXED:
        return _FIXED[completion]
    if completion in (T0_EXPIRED, T1_EXPIRED):
        return cp.HS_NO_ANSWER_T1 if sending else cp.HS_RX_T2
    if completion == TX_PHDDEAD:
        return cp.HS_EOP_UNANSWERED if last_ppm == cp.PPM_EOP else cp.HS_MPS_UNANSWERED
    if completion in (TX_BADPG, TX_GOTDCN):
        return cp.HS_TX_D if phase in ("C", "D") else cp.HS_TX_B
    return gone(phase, sending)
