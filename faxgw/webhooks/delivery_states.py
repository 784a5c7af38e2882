"""The states of one event's delivery to one endpoint, and the moves between them.

A delivery is ``pending`` from the moment the event is fanned out to the endpoint; each
attempt leaves it pending (tried again later), ``delivered`` (a 2xx answer) or
``given_up`` (out of time); a delivery to an endpoint the tenant deleted is ``dropped``.
Nothing leaves the last three.
"""

from __future__ import annotations

from enum import StrEnum

from faxgw.moves import MoveTable


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    GIVEN_UP = "given_up"
    DROPPED = "dropped"


DELIVERY_MOVES = MoveTable("webhook delivery", DeliveryState, {
    DeliveryState.PENDING: frozenset(DeliveryState),
    DeliveryState.DELIVERED: frozenset(),
    DeliveryState.GIVEN_UP: frozenset(),
    DeliveryState.DROPPED: frozenset(),
})


def after_attempt(delivered: bool, given_up: bool) -> DeliveryState:
    """The state an attempt of a pending delivery leads to, checked against the table."""
    if delivered:
        new = DeliveryState.DELIVERED
    else:
        new = DeliveryState.GIVEN_UP if given_up else DeliveryState.PENDING
    return DELIVERY_MOVES.move(DeliveryState.PENDING, new)
