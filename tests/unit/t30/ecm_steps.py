"""Helpers to drive an engine through ECM (T.30 Annex A) frame by frame."""

from __future__ import annotations

from faxgw.session import Coding, Resolution
from faxgw.t30 import events as ev
from faxgw.t30.dis import DcsSettings, DisCapabilities
from faxgw.t30.ecm import PartialPageSignal, fcd_frame, rcp_frame
from faxgw.t30.frames import FCF
from faxgw.t30.link import Modulation as M, ReceivedFrame
from faxgw.t30.negotiate import LocalCapabilities

from tests.unit.t30.steps import far

ECM_LOCAL = LocalCapabilities(ident="1001", ecm=True)
DIS_ECM = DisCapabilities(modulations=(M.V17_14400, M.V17_12000, M.V17_9600, M.V17_7200,
                                       M.V29_9600, M.V29_7200, M.V27TER_4800,
                                       M.V27TER_2400),
                          fine=True, mr=True, mmr=True, ecm=True).encode()


def dcs_ecm_fif(modulation=M.V17_14400, frame_size: int = 256) -> bytes:
    return DcsSettings(modulation=modulation, resolution=Resolution.FINE, coding=Coding.MMR,
                       min_scan_ms=0, ecm=True, ecm_64_octet_frames=frame_size == 64).encode()


def pps(at: float, command: FCF | None, page: int, block: int, frames: int,
        fcf: FCF = FCF.PPS) -> ev.FrameReceived:
    fif = PartialPageSignal(command, page, block, frames).encode(True)
    return far(at, fcf, fif, x_bit=True)


def ecm_carrier(at: float, payloads: dict[int, bytes], bad: frozenset[int] = frozenset()
                ) -> ev.HdlcFramesReceived:
    """A carrier of FCD frames (``bad``: arriving with an FCS error) and three RCPs."""
    frames = [ReceivedFrame(fcd_frame(n, p), n not in bad) for n, p in payloads.items()]
    frames += [ReceivedFrame(rcp_frame())] * 3
    return ev.HdlcFramesReceived(at, tuple(frames))


def fcd_numbers(action: ev.SendHdlcFrames) -> list[int]:
    return [f[3] for f in action.frames if f[2] == 0x06]
