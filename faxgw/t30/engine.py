"""The part of the T.30 engine both roles share: dispatch through the handler table,
checked transitions, listening with bounded re-listens, and the running report.

``Engine.handle(event) -> list[Action]``: notifications first, one line action last (see
``faxgw.t30.events``). No I/O and no clock: ``event.at`` is the only time there is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from faxgw.outcome import Outcome
from faxgw.session import EcmCounters, PageResult
from faxgw.t30.dis import DcsSettings, DisCapabilities
from faxgw.t30.events import (Abort, Action, Event, Finish, FrameReceived, ImageReceived,
                              LinkFailed, LinkFailure, Note, ReceiveFrame, SendFrames)
from faxgw.t30.frames import FCF, Frame, build_frame, parse_frame
from faxgw.t30.negotiate import LocalCapabilities
from faxgw.t30.states import (FROM_ANY_STATE, PHASE_OF, TRANSITIONS, IllegalTransition,
                              Phase, State, UnexpectedEvent)
from faxgw.t30.timers import MAX_RELISTENS, SILENCE_BEFORE_MODULATION_MS


@dataclass(slots=True)
class EngineReport:
    """What the session has established so far; the runner turns it into a result."""

    outcome: Outcome | None = None
    detail: str = ""
    phase: Phase = Phase.A
    remote_ident: str | None = None
    remote_dis: DisCapabilities | None = None
    remote_nsf: bytes | None = None  # the NSF frame's information field, as heard
    dcs: DcsSettings | None = None  # the parameters of the last successful training
    trainings: int = 0
    pages: list[PageResult] = field(default_factory=list)
    ecm_counters: EcmCounters = field(default_factory=EcmCounters)
    failed_trainings: dict[str, int] = field(default_factory=dict)  # "V.17 14400" -> FTTs

    @property
    def pages_confirmed(self) -> int:
        return sum(1 for p in self.pages if p.outcome.value.startswith("confirmed"))


# The call or the modem is gone: no state's own rule (listen again, repeat the command,
# send DCN) can do anything more on the line.
_GONE = (LinkFailure.LINE_DROPPED, LinkFailure.MODEM_FAULT)


class Engine:
    """Base of ``Transmitter`` and ``Receiver``; subclasses fill ``HANDLERS``."""

    HANDLERS: ClassVar[dict[tuple[State, type], str]] = {}
    # The wildcard row of ``HANDLERS``: the handler of an event type in every state that
    # has no row of its own for it. A link failure can come back from any line action and
    # the runner can abort anywhere; the moves these make (to DONE) are the wildcard row
    # of ``TRANSITIONS`` (``FROM_ANY_STATE``), so they are checked like any other.
    ANY_STATE_HANDLERS: ClassVar[dict[type, str]] = {
        Abort: "on_abort_anywhere",
        LinkFailed: "on_link_failed_anywhere",
    }
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
        if isinstance(event, LinkFailed) and event.failure in _GONE:
            return self.on_link_failed_anywhere(event)  # before any state's own row
        if isinstance(event, (FrameReceived, ImageReceived)):
            self.heard_far_end = True
        name = (self.HANDLERS.get((self.state, type(event)))
                or self.ANY_STATE_HANDLERS.get(type(event)))
        if name is None:
            raise UnexpectedEvent(f"{self.state.name} does not take {type(event).__name__}")
        return getattr(self, name)(event)

    def goto(self, state: State) -> None:
        if state not in TRANSITIONS[self.state] and state not in FROM_ANY_STATE:
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

    def on_abort_anywhere(self, event: Abort) -> list[Action]:
        """The runner cannot go on; a state where a DCN still fits has its own row."""
        return self._finish(event.outcome, event.detail)

    def on_link_failed_anywhere(self, event: LinkFailed) -> list[Action]:
        """The wildcard row for ``LinkFailed``, and the rule for a line or modem that is
        gone in any state. The waits for the far end (a frame, TCF, a page) have rows of
        their own, which apply T.30's re-listen and repeat rules to time-outs and stray
        carriers; what reaches this handler ends the call at once, without DCN: the line
        is gone, the modem failed, or our own transmission failed, so the far end could
        not hear a DCN either (it ends the call by its own T1/T2/T4, T.30 5.4.3)."""
        where = f"{event.failure.value} in {self.state.name}"
        settled = self.settled_outcome()
        if settled is not None:
            # Decided before the failure (e.g. the last page confirmed, DCN under way): a
            # line or modem failing while we say goodbye does not change what happened.
            # Above all a delivered fax must not be reported failed, or it is sent again.
            return self._finish(settled, "; ".join(
                filter(None, [self.report.detail, f"then {where}"])))
        if event.failure is LinkFailure.MODEM_FAULT:
            return self._finish(Outcome.MODEM_FAULT, f"modem failed: {where}")
        if event.failure in (LinkFailure.LINE_DROPPED, LinkFailure.CARRIER_LOST):
            # NO CARRIER where no wait of ours expects it (while we transmit) is how a
            # modem reports a dropped call (T.31 8.3.1/8.3.3).
            return self._finish(self.line_dropped_outcome(), f"line dropped: {where}")
        # +FTS/+FTH/+FTM timing out or refused with +FCERROR: the modem did not do what it
        # was told.
        return self._finish(Outcome.MODEM_FAULT, f"modem failed: {where}")

    def settled_outcome(self) -> Outcome | None:
        """The outcome already decided before the line went, if any (roles refine it)."""
        return None

    def line_dropped_outcome(self) -> Outcome:
        return Outcome.FAR_END_HUNG_UP
