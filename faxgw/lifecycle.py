"""The fax lifecycle: every status, and every move between them, in one table.

Every writer (the REST API, the scheduler, the store's attempt methods) asks this module
which statuses an action may start from and where it leads. The store turns each entry into
a single conditional ``UPDATE ... WHERE status IN (...)``, so the table and the database
agree on who wins a race. Source: ../shared/design/api-and-lifecycle.md, "Transitions".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "FaxReceived"
    ATTEMPT_INITIATED = "FaxAttemptInitiated"
    RETRY_ATTEMPTED = "FaxRetryAttempted"
    RETRY = "FaxRetry"
    HELD = "FaxHeld"
    RECEIVED_FOR_CANCEL = "FaxReceivedForCancel"
    CANCELLED = "FaxCancelled"
    SENT = "FaxSent"
    FAILED = "FaxFailed"
    # Recorded in the history only: it never replaces the delivery status of a fax.
    WEBHOOK_UPDATE_FAILED = "FaxWebhookUpdateFailed"


# Waiting for the scheduler: the only statuses a claim may take.
QUEUED: frozenset[Status] = frozenset({Status.RECEIVED, Status.RETRY_ATTEMPTED, Status.RETRY})
# Nothing happens to these any more by itself. FaxFailed leaves only through PUT /retry.
TERMINAL: frozenset[Status] = frozenset({Status.SENT, Status.FAILED, Status.CANCELLED})
# Statuses a fax can be *in* (FaxWebhookUpdateFailed is a history entry, not a state).
FAX_STATES: frozenset[Status] = frozenset(Status) - {Status.WEBHOOK_UPDATE_FAILED}


class Action(StrEnum):
    SUBMIT = "submit"
    CLAIM = "claim"  # the scheduler starts an attempt
    ATTEMPT_SENT = "attempt_sent"  # every page confirmed
    ATTEMPT_RETRY = "attempt_retry"  # failed, automatic retries left
    ATTEMPT_FAILED = "attempt_failed"  # failed, no automatic retry (budget spent or manual)
    RETRY = "retry"  # PUT /retry
    HOLD = "hold"  # PUT /hold
    REVIVE = "revive"  # PUT /revive
    STOP = "stop"  # DELETE /fax/{id}
    CANCEL_DONE = "cancel_done"  # the stop request has taken the fax out of the queue


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    # None: the target is the queued status the fax was held from (revive).
    target: Status | None


TRANSITIONS: dict[Action, Transition] = {
    Action.SUBMIT: Transition(frozenset(), Status.RECEIVED),
    Action.CLAIM: Transition(QUEUED, Status.ATTEMPT_INITIATED),
    Action.ATTEMPT_SENT: Transition(frozenset({Status.ATTEMPT_INITIATED}), Status.SENT),
    Action.ATTEMPT_RETRY: Transition(frozenset({Status.ATTEMPT_INITIATED}), Status.RETRY_ATTEMPTED),
    Action.ATTEMPT_FAILED: Transition(frozenset({Status.ATTEMPT_INITIATED}), Status.FAILED),
    Action.RETRY: Transition(frozenset({Status.FAILED}), Status.RETRY),
    Action.HOLD: Transition(QUEUED, Status.HELD),
    Action.REVIVE: Transition(frozenset({Status.HELD}), None),
    Action.STOP: Transition(QUEUED | {Status.HELD}, Status.RECEIVED_FOR_CANCEL),
    Action.CANCEL_DONE: Transition(frozenset({Status.RECEIVED_FOR_CANCEL}), Status.CANCELLED),
}


class TransitionRefused(Exception):
    """An action asked of a fax whose current status does not allow it."""

    def __init__(self, action: Action, current: Status | str):
        self.action = action
        self.current = Status(current)
        allowed = ", ".join(sorted(TRANSITIONS[action].sources)) or "nowhere"
        super().__init__(
            f"cannot {action.value.replace('_', ' ')} a fax in status {self.current.value}; "
            f"allowed from: {allowed}"
        )


def sources(action: Action) -> frozenset[Status]:
    return TRANSITIONS[action].sources


def allowed(action: Action, current: Status | str) -> bool:
    return Status(current) in TRANSITIONS[action].sources


def target(action: Action, current: Status | str, held_from: Status | str | None = None) -> Status:
    """The status `action` leads to from `current`; raises TransitionRefused if it may not."""
    if not allowed(action, current):
        raise TransitionRefused(action, current)
    goal = TRANSITIONS[action].target
    if goal is None:
        if held_from is None or Status(held_from) not in QUEUED:
            raise ValueError(f"held fax without a queued status to return to: {held_from!r}")
        return Status(held_from)
    return goal


def attempt_end(success: bool, manual: bool, auto_retries_left: int, give_up: bool = False) -> Action:
    """Which action ends an attempt.

    An attempt bought by PUT /retry gets no automatic retries (the reference: "only one retry
    attempt will be made"); `give_up` is the scheduler's veto (e.g. a person answered twice).
    """
    if success:
        return Action.ATTEMPT_SENT
    if manual or give_up or auto_retries_left <= 0:
        return Action.ATTEMPT_FAILED
    return Action.ATTEMPT_RETRY
