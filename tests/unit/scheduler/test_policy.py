"""How a session's result becomes the record: reason, backoff by failure class, give-up."""

import pytest

from faxgw.config import RetryConfig
from faxgw.outcome import Outcome
from faxgw.scheduler.policy import attempt_result, backoff_s
from faxgw.session import Coding, Resolution, SessionResult

RETRY = RetryConfig(backoff_busy_s=10, backoff_no_answer_s=60, backoff_no_carrier_s=40,
                    backoff_protocol_s=30, backoff_modem_fault_s=5)


def result(outcome: Outcome, **kw) -> SessionResult:
    return SessionResult(direction="send", outcome=outcome, **kw)


@pytest.mark.parametrize("outcome, seconds", [
    (Outcome.BUSY, 10), (Outcome.NO_ANSWER, 60), (Outcome.NO_CARRIER, 40),
    (Outcome.NO_FAX_AT_FAR_END, 40), (Outcome.TRAINING_FAILED, 30),
    (Outcome.FAR_END_HUNG_UP, 30), (Outcome.INTERRUPTED, 30), (Outcome.MODEM_FAULT, 5),
    (Outcome.NO_DIALTONE, 5),
])
def test_backoff_depends_on_why_the_attempt_failed(outcome, seconds):
    assert backoff_s(outcome, RETRY) == seconds


def test_busy_soon_no_answer_later_protocol_between():
    busy, protocol, later = (backoff_s(o, RetryConfig()) for o in
                             (Outcome.BUSY, Outcome.PROTOCOL_TIMEOUT, Outcome.NO_ANSWER))
    assert busy < protocol < later


def test_a_failure_records_the_outcome_sentence_and_the_session_details():
    r = attempt_result(result(Outcome.PAGE_REJECTED, remote_ident="+44 20 7946",
                              bit_rate=9600, coding=Coding.MR, resolution=Resolution.FINE),
                       RETRY, pages_total=4, earlier_no_fax=0, details={"x": 1})
    assert not r.success and r.outcome == "page_rejected"
    assert r.failed_reason == Outcome.PAGE_REJECTED.sentence and r.retry_delay_s == 30
    assert (r.remote_ident, r.bit_rate, r.coding, r.resolution) == ("+44 20 7946", 9600, "MR", "fine")
    assert not r.give_up and r.pages_total == 4 and r.details == {"x": 1}


def test_success_has_no_reason():
    r = attempt_result(result(Outcome.SUCCESS), RETRY, 1, 0, {})
    assert r.success and r.failed_reason is None


def test_second_answer_without_a_fax_machine_gives_up_with_a_reason_that_says_so():
    first = attempt_result(result(Outcome.NO_CARRIER), RETRY, 1, earlier_no_fax=0, details={})
    assert not first.give_up and first.failed_reason == Outcome.NO_CARRIER.sentence
    second = attempt_result(result(Outcome.NO_FAX_AT_FAR_END), RETRY, 1, earlier_no_fax=1,
                            details={})
    assert second.give_up
    assert "2 times without a fax machine" in second.failed_reason
    assert "not be called again" in second.failed_reason


def test_busy_attempts_do_not_count_towards_the_no_fax_rule():
    r = attempt_result(result(Outcome.BUSY), RETRY, 1, earlier_no_fax=1, details={})
    assert not r.give_up


def test_permanent_failures_are_not_retried():
    assert attempt_result(result(Outcome.INCOMPATIBLE), RETRY, 1, 0, {}).give_up
