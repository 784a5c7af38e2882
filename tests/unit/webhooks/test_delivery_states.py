"""The webhook delivery state table: pending until delivered, given up or dropped."""

import re
from importlib import resources

import pytest

from faxgw.moves import IllegalMove
from faxgw.webhooks.delivery_states import DELIVERY_MOVES, DeliveryState, after_attempt


@pytest.mark.parametrize("new", list(DeliveryState))
def test_a_pending_delivery_may_move_to_every_state(new):
    assert DELIVERY_MOVES.move("pending", new) is new


@pytest.mark.parametrize("current", ["delivered", "given_up", "dropped"])
@pytest.mark.parametrize("new", ["pending", "delivered", "given_up", "dropped"])
def test_nothing_leaves_a_finished_delivery(current, new):
    with pytest.raises(IllegalMove, match=f"{new} cannot follow {current}"):
        DELIVERY_MOVES.move(current, new)


def test_a_state_outside_the_table_is_refused():
    with pytest.raises(IllegalMove, match="lost cannot follow pending"):
        DELIVERY_MOVES.move("pending", "lost")


def test_an_attempt_leaves_the_delivery_delivered_given_up_or_pending():
    assert after_attempt(delivered=True, given_up=False) is DeliveryState.DELIVERED
    assert after_attempt(delivered=False, given_up=True) is DeliveryState.GIVEN_UP
    assert after_attempt(delivered=False, given_up=False) is DeliveryState.PENDING


def test_the_sql_names_only_states_of_the_table():
    sql = resources.files("faxgw.webhooks.sql").joinpath("queries.sql").read_text("utf-8")
    named = set(re.findall(r"state\s*=\s*'(\w+)'", sql))
    assert named and named <= set(DeliveryState)
