"""A link failure in ANY state with a line action outstanding ends the session cleanly.

Table-driven: scripted calls of both roles are walked step by step; at every step where
the engine waits for the line, a copy of the engine is taken. Each copy is then fed each
kind of ``LinkFailed`` (and the same failure again for whatever it asks next, so a wait
that survives one failure must still end). The session must end without an exception,
with an outcome that says what happened, and with the pages already confirmed kept.

Regressions: ``UnexpectedEvent`` for LinkFailed in T_SEND_PAGE and R_SEND_PPM_RESPONSE;
a send that timed out reported as a hang-up; a modem fault after the last page was
confirmed turning a delivered fax into a modem fault (which the scheduler retries: a
duplicate fax).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest

from faxgw.outcome import Outcome
from faxgw.session import PageOutcome
from faxgw.t30 import events as ev
from faxgw.t30.engine import Engine
from faxgw.t30.frames import FCF
from faxgw.t30.negotiate import LocalCapabilities, PageQuality
from faxgw.t30.receiver import Receiver
from faxgw.t30.states import State
from faxgw.t30.transmitter import Transmitter

from tests.unit.t30.ecm_steps import (DIS_ECM, ECM_LOCAL, dcs_ecm_fif, ecm_carrier, pps)
from tests.unit.t30.steps import far, ident_frame, line
from tests.unit.t30.test_receiver import dcs_fif
from tests.unit.t30.test_transmitter import DIS_V17

GOOD = PageQuality(1000, 0, 0)
TORN = PageQuality(1000, 300, 80)
SENDS = (ev.SendFrames, ev.SendImage, ev.SendPage, ev.SendSilence, ev.SendHdlcFrames)
# Where the line (or the modem) is gone: a hang-up as the far end's doing.
HUNG_UP = {Outcome.FAR_END_HUNG_UP, Outcome.EOP_UNANSWERED}


@dataclass
class Snapshot:
    label: str
    engine: Engine
    waiting_for: type  # the line action outstanding
    settled: Outcome | None  # the outcome the session reached before the failure


class Walk:
    """Feeds events to an engine, keeping a copy at each step that waits for the line."""

    def __init__(self, name: str, engine: Engine) -> None:
        self.name, self.engine, self.settled = name, engine, None
        self.snapshots: list[Snapshot] = []

    def __call__(self, event) -> ev.Action:
        action = line(self.engine.handle(event))
        if not isinstance(action, ev.Finish):
            label = f"{self.name}:{len(self.snapshots)}:{self.engine.state.name}"
            self.snapshots.append(Snapshot(label, copy.deepcopy(self.engine), type(action),
                                           self.settled))
        return action


def transmitter_walks() -> list[Snapshot]:
    # Three pages: MPS answered MCF, MPS answered RTN (resent), EOP answered MCF, DCN.
    w = Walk("tx-3-pages", Transmitter(LocalCapabilities(ident="1001"), 3))
    w(ev.Start(0.0))
    w(far(1.0, FCF.DIS, DIS_V17))
    w(ev.FramesSent(1.3)), w(ev.SilenceDone(1.4)), w(ev.ImageSent(3.0))
    w(far(3.5, FCF.CFR))
    t = 3.6
    for answer in (FCF.MCF, FCF.RTN, FCF.MCF, FCF.MCF):
        w(ev.SilenceDone(t)), w(ev.ImageSent(t + 1)), w(ev.SilenceDone(t + 1.1))
        w(ev.FramesSent(t + 1.3))
        if answer is FCF.RTN:  # retrain, then the same page again
            w(far(t + 1.6, FCF.RTN))
            w(ev.FramesSent(t + 1.9)), w(ev.SilenceDone(t + 2.0)), w(ev.ImageSent(t + 3.5))
            w(far(t + 3.8, FCF.CFR))
            t += 4.0
            continue
        if w.engine.page == 2:  # EOP answered MCF: the fax is delivered, DCN follows
            w.settled = Outcome.SUCCESS
        w(far(t + 1.6, answer))
        t += 2.0
    assert w.engine.report.pages_confirmed == 3 and w.engine.state is State.T_SEND_DCN
    # DCN after a failure the engine decided itself (T.30 5.4.2: three tries, no answer)
    w2 = Walk("tx-eop-unanswered", Transmitter(LocalCapabilities(ident="1001"), 1))
    w2(ev.Start(0.0))
    w2(far(1.0, FCF.DIS, DIS_V17))
    w2(ev.FramesSent(1.3)), w2(ev.SilenceDone(1.4)), w2(ev.ImageSent(3.0))
    w2(far(3.5, FCF.CFR))
    w2(ev.SilenceDone(3.6)), w2(ev.ImageSent(4.6)), w2(ev.SilenceDone(4.7))
    t = 5.0
    for tries in range(3):
        w2(ev.FramesSent(t))
        if tries == 2:
            w2.settled = Outcome.EOP_UNANSWERED
        w2(ev.LinkFailed(t + 3.1, ev.LinkFailure.TIMEOUT))
        t += 3.5
    assert w2.engine.state is State.T_SEND_DCN
    return w.snapshots + w2.snapshots


def receiver_walks() -> list[Snapshot]:
    # DIS; DCS with bad TCF (FTT); DCS again, CFR; a garbled command (CRP); page 1 with
    # MPS (MCF); page 2 torn (RTN), resent after retraining, with EOP (MCF); then DCN.
    w = Walk("rx-2-pages", Receiver(LocalCapabilities(ident="1002")))
    w(ev.Start(0.0))
    w(ev.FramesSent(0.5))
    w(ident_frame(1.0, FCF.TSI, "1001"))
    w(far(1.1, FCF.DCS, dcs_fif(), x_bit=True))
    w(ev.ImageReceived(2.7, b"\xff" * 100))  # no zeros: FTT
    w(ev.FramesSent(3.0))
    w(far(3.5, FCF.DCS, dcs_fif(), x_bit=True))
    w(ev.ImageReceived(5.1, bytes(5400)))
    w(ev.FramesSent(5.4))
    t, index = 5.5, 0
    for ppm, quality in ((FCF.MPS, GOOD), (FCF.EOP, TORN), (FCF.EOP, GOOD)):
        w(ev.ImageReceived(t + 5, b"page data"))
        if index == 0:  # a post-page command with a bad FCS: CRP (T.30 5.3.6.1.7)
            w(far(t + 5.1, ppm, x_bit=True, fcs_ok=False))
            w(ev.FramesSent(t + 5.2))
        w(far(t + 5.3, ppm, x_bit=True))
        w(ev.PageQualityKnown(t + 5.4, index, quality))
        if quality is GOOD and ppm is FCF.EOP:
            w.settled = Outcome.SUCCESS
            w(ev.FramesSent(t + 5.7))  # MCF to EOP is out: the document is complete
            w(ev.FrameReceived(t + 6.5, far(0, FCF.MCF).frame))  # our own MCF echoed
            break
        w(ev.FramesSent(t + 5.7))
        if quality is TORN:  # the sender retrains: DCS, TCF, CFR, then the page again
            w(far(t + 6.0, FCF.DCS, dcs_fif(), x_bit=True))
            w(ev.ImageReceived(t + 7.6, bytes(5400)))
            w(ev.FramesSent(t + 7.9))
        t, index = t + 8.0, index + 1
    assert w.engine.report.pages_confirmed == 2
    return w.snapshots


def ecm_transmitter_walks() -> list[Snapshot]:
    # Two pages in ECM: page 1 answered PPR (one frame resent), then RNR (polled with RR),
    # then MCF; page 2 answered MCF to PPS-EOP; DCN.
    w = Walk("tx-ecm", Transmitter(ECM_LOCAL, 2))
    w(ev.Start(0.0))
    w(far(1.0, FCF.DIS, DIS_ECM))
    w(ev.FramesSent(1.3)), w(ev.SilenceDone(1.4)), w(ev.ImageSent(3.0))
    w(far(3.5, FCF.CFR))
    w(ev.SilenceDone(3.6))  # FetchPage
    w(ev.PageFetched(3.7, 0, bytes(600)))  # three frames
    w(ev.FramesSent(4.0)), w(ev.SilenceDone(4.1)), w(ev.FramesSent(4.3))
    w(far(4.6, FCF.PPR, bytes([0b010]) + bytes(31)))
    w(ev.SilenceDone(4.7)), w(ev.FramesSent(4.9)), w(ev.SilenceDone(5.0)), w(ev.FramesSent(5.2))
    w(far(5.5, FCF.RNR))
    w(ev.FramesSent(5.8))
    w(far(6.1, FCF.MCF))
    w(ev.SilenceDone(6.2))
    w(ev.PageFetched(6.3, 1, bytes(300)))
    w(ev.FramesSent(6.6)), w(ev.SilenceDone(6.7)), w(ev.FramesSent(6.9))
    w.settled = Outcome.SUCCESS
    w(far(7.2, FCF.MCF))
    assert w.engine.report.pages_confirmed == 2 and w.engine.state is State.T_SEND_DCN
    return w.snapshots


def ecm_receiver_walks() -> list[Snapshot]:
    # Page 1: frame 1 of 3 with a bad FCS (PPR), resent; PPS-MPS found the page still
    # being stored (RNR), RR, MCF. Page 2 whole, PPS-EOP, MCF; DCN.
    w = Walk("rx-ecm", Receiver(LocalCapabilities(ident="1002", ecm=True)))
    w(ev.Start(0.0))
    w(ev.FramesSent(0.5))
    w(far(1.1, FCF.DCS, dcs_ecm_fif(), x_bit=True))
    w(ev.ImageReceived(2.7, bytes(2700)))
    w(ev.FramesSent(3.0))
    w(ecm_carrier(4.0, {0: b"a" * 256, 1: b"b" * 256, 2: b"c"}, bad=frozenset({1})))
    w(pps(4.3, FCF.MPS, 0, 0, 3))
    w(ev.FramesSent(4.6))
    w(ecm_carrier(5.0, {1: b"b" * 256}))
    w(pps(5.3, FCF.MPS, 0, 0, 3))
    w(ev.PageQualityPending(5.5, 0))
    w(ev.FramesSent(5.8))
    w(far(6.0, FCF.RR, x_bit=True))
    w(ev.PageQualityKnown(6.2, 0, GOOD))
    w(ev.FramesSent(6.5))
    w(ecm_carrier(7.0, {0: b"d" * 100}))
    w(pps(7.3, FCF.EOP, 1, 0, 1))
    w(ev.PageQualityKnown(7.4, 1, GOOD))
    w.settled = Outcome.SUCCESS
    w(ev.FramesSent(7.7))
    assert w.engine.report.pages_confirmed == 2 and w.engine.document_complete
    return w.snapshots


SNAPSHOTS = (transmitter_walks() + receiver_walks() + ecm_transmitter_walks()
             + ecm_receiver_walks())
FAILURES = list(ev.LinkFailure)


def test_the_walks_reach_every_state_of_both_roles():
    """So that the table below cannot silently skip a state that gains a line action."""
    reached = {s.engine.state for s in SNAPSHOTS}
    role_states = {s for s in State if s.name[:2] in ("T_", "R_")}
    assert reached == role_states, role_states - reached


def confirmed(engine: Engine) -> list[tuple[int, PageOutcome]]:
    return [(p.index, p.outcome) for p in engine.report.pages
            if p.outcome in (PageOutcome.CONFIRMED, PageOutcome.CONFIRMED_RETRAIN)]


@pytest.mark.parametrize("failure", FAILURES, ids=[f.value for f in FAILURES])
@pytest.mark.parametrize("snap", SNAPSHOTS, ids=[s.label for s in SNAPSHOTS])
def test_a_link_failure_ends_the_session_cleanly(snap: Snapshot, failure: ev.LinkFailure):
    engine = copy.deepcopy(snap.engine)
    pages_before = confirmed(engine)
    at = 100.0
    first = line(engine.handle(ev.LinkFailed(at, failure)))  # never UnexpectedEvent
    action, steps = first, 0
    while not isinstance(action, ev.Finish):  # the same failure for whatever comes next
        steps += 1
        assert steps <= 40, f"no end after {steps} failures: {engine.state.name}"
        at += 4.0  # past T4 each time, so waits run out as they would on a real line
        action = line(engine.handle(ev.LinkFailed(at, failure)))
    assert engine.finished and engine.report.outcome is action.outcome

    # Pages already on paper stay on the record, exactly.
    assert confirmed(engine) == pages_before

    if snap.settled is not None:
        # The outcome was reached before the failure: a modem or line failing while we
        # say goodbye does not undo it (a delivered fax reported as a failure is sent twice).
        assert action.outcome is snap.settled
        return
    assert action.outcome is not Outcome.SUCCESS or (
        isinstance(engine, Receiver) and engine.document_complete)

    gone = failure in (ev.LinkFailure.LINE_DROPPED, ev.LinkFailure.MODEM_FAULT)
    sending = issubclass(snap.waiting_for, SENDS)
    if gone or sending:
        # No line or no modem, or our own carrier failed (the far end hears nothing it
        # could answer): end at once; no DCN into a dead line or through a failed modem.
        assert first == action, f"{first} before the end"
    if failure is ev.LinkFailure.MODEM_FAULT:
        assert action.outcome is Outcome.MODEM_FAULT
    elif failure is ev.LinkFailure.LINE_DROPPED:
        assert action.outcome in HUNG_UP
    elif sending and failure is ev.LinkFailure.CARRIER_LOST:
        # NO CARRIER while we transmit: the modem reports a dropped call so.
        assert action.outcome in HUNG_UP
    elif sending:
        # +FTS/+FTH/+FTM that times out or reports a wrong carrier: the modem did not do
        # what it was told.
        assert action.outcome is Outcome.MODEM_FAULT
    else:
        # A wait that keeps failing: the T.30 repeat rules decide (T.30 5.4.2/5.4.3).
        assert action.outcome in HUNG_UP | {Outcome.PROTOCOL_TIMEOUT, Outcome.MODEM_FAULT,
                                             Outcome.NO_FAX_AT_FAR_END}
