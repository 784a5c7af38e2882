"""The statuses of a received fax, and the one way through them.

A row is written ``receiving`` when the call is answered; the end of the call settles it
once: ``received`` (every page, the call ended well), ``partial`` (some pages, then the
call broke off) or ``failed`` (no page). Nothing leaves those three.
"""

from __future__ import annotations

from enum import StrEnum

from faxgw.moves import MoveTable


class ReceivedStatus(StrEnum):
    RECEIVING = "receiving"
    RECEIVED = "received"
    PARTIAL = "partial"
    FAILED = "failed"


ENDED = frozenset({ReceivedStatus.RECEIVED, ReceivedStatus.PARTIAL, ReceivedStatus.FAILED})

RECEIVED_MOVES = MoveTable("received fax", ReceivedStatus, {
    ReceivedStatus.RECEIVING: ENDED,
    ReceivedStatus.RECEIVED: frozenset(),
    ReceivedStatus.PARTIAL: frozenset(),
    ReceivedStatus.FAILED: frozenset(),
})


def ended_status(success: bool, pages: int) -> ReceivedStatus:
    """How a call that kept ``pages`` pages ends."""
    if not pages:
        return ReceivedStatus.FAILED
    return ReceivedStatus.RECEIVED if success else ReceivedStatus.PARTIAL
