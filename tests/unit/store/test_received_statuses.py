"""The received-fax status table: one way through, checked on every move."""

import re
from importlib import resources

import pytest

from faxgw.store.received_statuses import RECEIVED_MOVES, ReceivedStatus, ended_status
from faxgw.moves import IllegalMove


@pytest.mark.parametrize("end", ["received", "partial", "failed"])
def test_a_call_being_received_ends_in_one_of_three_statuses(end):
    assert RECEIVED_MOVES.move("receiving", end) is ReceivedStatus(end)


@pytest.mark.parametrize("current, new", [("received", "partial"), ("failed", "receiving"),
                                          ("partial", "received"), ("receiving", "receiving"),
                                          ("receiving", "archived")])
def test_an_illegal_move_is_refused_with_the_statuses_named(current, new):
    with pytest.raises(IllegalMove, match=f"{new} cannot follow {current}"):
        RECEIVED_MOVES.move(current, new)


def test_the_ended_statuses_are_final():
    assert RECEIVED_MOVES.final() == {ReceivedStatus.RECEIVED, ReceivedStatus.PARTIAL,
                                      ReceivedStatus.FAILED}


def test_how_a_call_ends_follows_its_pages_and_its_outcome():
    assert ended_status(True, 2) is ReceivedStatus.RECEIVED
    assert ended_status(False, 1) is ReceivedStatus.PARTIAL
    assert ended_status(True, 0) is ReceivedStatus.FAILED


def test_the_sql_names_only_statuses_of_the_table():
    sql = resources.files("faxgw.store").joinpath("received.sql").read_text("utf-8")
    named = set(re.findall(r"status\s*(?:=|<>)\s*'(\w+)'", sql))
    assert named and named <= set(ReceivedStatus)
