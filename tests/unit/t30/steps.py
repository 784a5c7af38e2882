"""Helpers to drive an engine frame by frame: far-end frames and the line action out."""

from __future__ import annotations

from faxgw.t30 import events as ev
from faxgw.t30.dis import DcsSettings, DisCapabilities
from faxgw.t30.frames import FCF, build_frame, encode_ident, parse_frame
from faxgw.t30.link import ReceivedFrame


def far(at: float, fcf: FCF, fif: bytes = b"", *, final: bool = True, fcs_ok: bool = True,
        x_bit: bool = False) -> ev.FrameReceived:
    data = build_frame(fcf, fif, final=final, x_bit=x_bit)
    return ev.FrameReceived(at, ReceivedFrame(data, fcs_ok))


def line(actions: list[ev.Action]):
    """The one line action, checked to be last and alone."""
    lines = [a for a in actions if isinstance(a, ev.LINE_ACTIONS)]
    assert len(lines) == 1 and actions[-1] is lines[0], actions
    return lines[0]


def sent_fcfs(action) -> list[FCF | None]:
    assert isinstance(action, ev.SendFrames), action
    return [parse_frame(f).fcf for f in action.frames]


def sent_dcs(action) -> DcsSettings:
    frame = parse_frame(action.frames[-1])
    assert frame.fcf is FCF.DCS
    return DcsSettings.decode(frame.fif)


def sent_dis(action) -> DisCapabilities:
    frame = parse_frame(action.frames[-1])
    assert frame.fcf is FCF.DIS
    return DisCapabilities.decode(frame.fif)


def of_type(actions, kind) -> list:
    return [a for a in actions if isinstance(a, kind)]


def ident_frame(at: float, fcf: FCF, ident: str) -> ev.FrameReceived:
    return far(at, fcf, encode_ident(ident), final=False)
