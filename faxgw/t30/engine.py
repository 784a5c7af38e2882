"""The part of the T.30 engine both roles share: dispatch through the handler table,
checked transitions, listening with bounded re-listens, and the running report.

``Engine.handle(event) -> list[Action]``: notifications first, one line action last (see
``faxgw.t30.events``). No I/O and no clock: ``event.at`` is the only time there is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from faxgw.outcome import Outcome
from faxgw.session import PageResult
from faxgw.t30.dis import DcsSettings, DisCapabilities
from faxgw.t30.events import (Abort, Action, Event, Finish, FrameReceived, ImageReceived,
                              LinkFailed, LinkFailure, Note, ReceiveFrame, SendFrames)
from faxgw.t30.frames import FCF, Frame, build_frame, parse_frame
from faxgw.t30.negotiate import LocalCapabilities
from faxgw.t30.states import (PHASE_OF, TRANSITIONS, IllegalTransition, Phase, State,
                              UnexpectedEvent)
from faxgw.t30.timers import MAX_RELISTENS, SILENCE_BEFORE_MODULATION_MS


@dataclass(slots=True)
class EngineReport:
    """What the session has established so far; the runner turns it into a result."""

    outcome: Outcome | None = None
    detail: str = ""
    phase: Phase = Phase.A
    remote_ident: str | None = None
    remote_dis: DisCapabilities | None = None
    dcs: DcsSettings | None = None  # the parameters of the last successful training
    trainings: int = 0
    pages: list[PageResult] = field(default_factory=list)

    @property
    def pages_confirmed(self) -> int:
        return sum(1 for p in self.pages if p.outcome.value.startswith("confirmed"))


class Engine:
    """Base of ``Transmitter`` and ``Receiver``; subclasses fill ``HANDLERS``."""

    HANDLERS: ClassVar[dict[tuple[State, type], str]] = {}
    X_BIT: ClassVar[bool] = False  # T.30 5.3.6.1: 1 for the station that received DIS

    def __init__(self, local: LocalCapabilities) -> None:
        self.local = local
        self.state = State.IDLE
        self.report = EngineReport()
        self.last_sent: tuple[bytes, ...] = ()
        self.deadline = 0.0  # when the current wait gives up (T1, T2 or T4 from its start)
        self.relistens = 0
        self.heard_far_end = False  # a carrier from the far end ended just now

    # --- dispatch -----------------------------------------------------------------------
    def handle(self, event: Event) -> list[Action]:
        if self.state is State.DONE:
            raise UnexpectedEvent(f"session already finished, got {event!r}")
        if isinstance(event, Abort) and (self.state, Abort) not in self.HANDLERS:
            return self._finish(event.outcome, event.detail)
        if isinstance(event, LinkFailed) and event.failure in (LinkFailure.LINE_DROPPED,
                                                               LinkFailure.MODEM_FAULT):
            return self._link_gone(event.failure)
        if isinstance(event, (FrameReceived, ImageReceived)):
            self.heard_far_end = True
        name = self.HANDLERS.get((self.state, type(event)))
        if name is None and isinstance(event, LinkFailed):
            # While sending: NO CARRIER means the line went (a modem reports a dropped call
            # so); anything else means the modem did not do what it was told.
            if event.failure is LinkFailure.CARRIER_LOST:
                return self._link_gone(LinkFailure.LINE_DROPPED)
            return self._finish(Outcome.MODEM_FAULT,
                                f"{event.failure.value} while in {self.state.name}")
        if name is None:
            raise UnexpectedEvent(f"{self.state.name} does not take {type(event).__name__}")
        return getattr(self, name)(event)

    def goto(self, state: State) -> None:
        if state is not State.DONE and state not in TRANSITIONS[self.state]:
            raise IllegalTransition(f"{self.state.name} -> {state.name}")
        self.state = state
        if state is not State.DONE:
            self.report.phase = PHASE_OF[state]

    @property
    def finished(self) -> bool:
        return self.state is State.DONE

    # --- frames -------------------------------------------------------------------------
    def frame(self, fcf: FCF, fif: bytes = b"", final: bool = True) -> bytes:
        return build_frame(fcf, fif, final=final, x_bit=self.X_BIT)

    def send(self, state: State, *frames: bytes, note: str = "") -> list[Action]:
        """Move to ``state`` and send ``frames`` in one V.21 transmission."""
        self.goto(state)
        self.last_sent = frames
        silence = SILENCE_BEFORE_MODULATION_MS if self.heard_far_end else 0
        self.heard_far_end = False
        actions: list[Action] = [Note(note)] if note else []
        return actions + [SendFrames(frames, silence)]

    def classify(self, event: FrameReceived) -> Frame | str:
        """The parsed frame, or why it is to be ignored: "bad" (FCS error or garbled
        content) or "echo" (one of our own frames coming back off the line)."""
        if event.frame.data in self.last_sent:
            return "echo"
        if not event.frame.fcs_ok:
            return "bad"
        return parse_frame(event.frame.data) or "bad"

    def listen(self, state: State, at: float, timeout_s: float) -> list[Action]:
        """Start a fresh wait of ``timeout_s`` in ``state``."""
        self.goto(state)
        self.deadline = at + timeout_s
        self.relistens = 0
        return [ReceiveFrame(timeout_s)]

    def relisten(self, at: float, why: str, after_silence: bool = False
                 ) -> list[Action] | None:
        """Listen again for what is left of the current wait; None when the wait is used
        up (time or re-listens), so that the caller applies its time-out rule.
        ``after_silence``: we heard a carrier that was not V.21 (+FCERROR); let it end
        (+FRS) before listening, rather than collect +FCERROR after +FCERROR."""
        self.relistens += 1
        remaining = self.deadline - at
        if self.relistens > MAX_RELISTENS or remaining <= 0.05:
            return None
        silence = SILENCE_BEFORE_MODULATION_MS if after_silence else 0
        return [Note(f"{why}: listening again ({remaining:.1f} s left)"),
                ReceiveFrame(remaining, silence)]

    # --- the end ------------------------------------------------------------------------
    def _finish(self, outcome: Outcome, detail: str = "") -> list[Action]:
        self.report.outcome = outcome
        self.report.detail = detail or self.report.detail
        self.goto(State.DONE)
        return [Finish(self.report.outcome, self.report.detail)]

    def _link_gone(self, failure: LinkFailure) -> list[Action]:
        if failure is LinkFailure.MODEM_FAULT:
            return self._finish(Outcome.MODEM_FAULT, f"modem failed in {self.state.name}")
        if self.state in (State.T_SEND_DCN,):
            return self._finish(self.report.outcome or Outcome.FAR_END_HUNG_UP)
        return self._finish(self.line_dropped_outcome(), f"line dropped in {self.state.name}")

    def line_dropped_outcome(self) -> Outcome:
        return Outcome.FAR_END_HUNG_UP
