"""page_seconds: the page durations of faxgw_page_duration_seconds, read from the session
result's pages (the sessions measure them; tests/unit/t30/test_page_timings.py)."""

from faxgw.outcome import Outcome
from faxgw.scheduler.attempt import page_seconds
from faxgw.session import PageOutcome, PageResult, SessionResult


def test_each_confirmed_page_gives_its_seconds_in_page_order():
    result = SessionResult("send", Outcome.PROTOCOL_TIMEOUT, pages=[
        PageResult(0, PageOutcome.CONFIRMED, attempts=1, sending_s=1.3),
        PageResult(1, PageOutcome.CONFIRMED_RETRAIN, attempts=2, sending_s=1.5),
        PageResult(2, PageOutcome.UNCONFIRMED, attempts=1),
        PageResult(3)])
    assert page_seconds(result) == (1.3, 1.5)


def test_a_call_that_confirmed_nothing_has_no_page_durations():
    assert page_seconds(SessionResult("send", Outcome.BUSY)) == ()
