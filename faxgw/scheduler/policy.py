"""How a call's result becomes the record: the sentence, the backoff, and when to give up.

The backoff keys on why the attempt failed (a busy line is tried again soon, a number that
did not answer much later); the values come from the ``[retry]`` config so that tests can
make them short. A number that answered without a fax machine twice (a person, a data
modem, silence) is not called again for this fax: a person must not be rung six times.
"""

from __future__ import annotations

from typing import Any

from faxgw.config import RetryConfig
from faxgw.outcome import Outcome, RetryClass
from faxgw.session import SessionResult
from faxgw.store import AttemptResult

# Outcomes that mean "it answered, but it is no fax machine". NO_CARRIER is what a Class 1
# modem reports when the far end picked up and no V.21 flags came (T.31 8.3.1.2).
NO_FAX_OUTCOMES = frozenset({Outcome.NO_FAX_AT_FAR_END, Outcome.NO_CARRIER})
NO_FAX_LIMIT = 2
NO_FAX_GIVE_UP_REASON = (
    "The number answered {count} times without a fax machine (a person, an answering "
    "machine or a data modem); it will not be called again for this fax.")
ALL_CONFIRMED_DETAIL = "every page was confirmed in earlier attempts; no call was needed"


def backoff_s(outcome: Outcome, retry: RetryConfig) -> float:
    """Seconds before the next automatic attempt after ``outcome``."""
    if outcome is Outcome.BUSY:
        return retry.backoff_busy_s
    if outcome is Outcome.NO_ANSWER:
        return retry.backoff_no_answer_s
    if outcome in NO_FAX_OUTCOMES:
        return retry.backoff_no_carrier_s
    if outcome.retry is RetryClass.MODEM:
        return retry.backoff_modem_fault_s
    return retry.backoff_protocol_s


def attempt_result(result: SessionResult, retry: RetryConfig, pages_total: int,
                   earlier_no_fax: int, details: dict[str, Any]) -> AttemptResult:
    """The store's record of one finished session.

    ``earlier_no_fax``: previous attempts of this fax whose far end was no fax machine.
    """
    outcome = result.outcome
    reason = None if result.success else outcome.sentence
    if outcome is Outcome.RECIPIENT_MISMATCH and result.detail:
        reason = f"{outcome.sentence} {result.detail[0].upper()}{result.detail[1:]}."
    give_up = outcome.retry is RetryClass.PERMANENT
    no_fax = earlier_no_fax + (1 if outcome in NO_FAX_OUTCOMES else 0)
    if outcome in NO_FAX_OUTCOMES and no_fax >= NO_FAX_LIMIT:
        give_up, reason = True, NO_FAX_GIVE_UP_REASON.format(count=no_fax)
    return AttemptResult(
        success=result.success, outcome=outcome.value, failed_reason=reason,
        retry_delay_s=backoff_s(outcome, retry), give_up=give_up, pages_total=pages_total,
        remote_ident=result.remote_ident, bit_rate=result.bit_rate,
        resolution=result.resolution.value if result.resolution else None,
        coding=result.coding.value if result.coding else None, ecm=result.ecm,
        details=details)


def failure(outcome: Outcome, retry: RetryConfig, detail: str, pages_total: int | None = None,
            give_up: bool = False) -> AttemptResult:
    """An attempt that ended without a session result (no pages, a modem that vanished...)."""
    return AttemptResult(
        success=False, outcome=outcome.value, failed_reason=outcome.sentence,
        retry_delay_s=backoff_s(outcome, retry),
        give_up=give_up or outcome.retry is RetryClass.PERMANENT, pages_total=pages_total,
        details={"detail": detail})
