"""The pool's state machine is one table: every move a modem makes is checked against it."""

from __future__ import annotations

import pytest

from faxgw.config import ModemConfig
from faxgw.scheduler.pool import MOVES, InvalidModemMove, ModemState, PooledModem


def test_every_state_has_its_moves_and_none_stays_put():
    assert set(MOVES) == set(ModemState)
    assert all(state not in targets for state, targets in MOVES.items())


def test_a_modem_follows_the_table_and_refuses_what_it_does_not_allow():
    modem = PooledModem(ModemConfig("m1", "/dev/null"))
    assert modem.state is ModemState.OFFLINE
    with pytest.raises(InvalidModemMove, match="offline -> busy"):
        modem.state = ModemState.BUSY  # an offline modem never takes a call
    for step in (ModemState.PROBING, ModemState.IDLE, ModemState.BUSY, ModemState.IDLE):
        modem.state = step
    assert modem.state is ModemState.IDLE
    with pytest.raises(InvalidModemMove):
        modem.state = ModemState.OFFLINE  # an idle modem goes through the idle check first
