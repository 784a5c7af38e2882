"""The state machine as data: handlers only where the table allows, the engine pure."""

import subprocess
import sys

import pytest

from faxgw.outcome import Outcome, RetryClass
from faxgw.t30 import events as ev
from faxgw.t30.negotiate import LocalCapabilities
from faxgw.t30.receiver import Receiver
from faxgw.t30.states import PHASE_OF, TRANSITIONS, IllegalTransition, State
from faxgw.t30.transmitter import Transmitter


def test_every_state_has_a_phase_and_a_transition_row():
    assert set(PHASE_OF) == set(State) and set(TRANSITIONS) == set(State)


def test_transitions_stay_within_each_role():
    for state, targets in TRANSITIONS.items():
        prefix = state.name[:2]
        if prefix in ("T_", "R_"):
            assert all(t.name.startswith(prefix) for t in targets), state


@pytest.mark.parametrize("engine", [Transmitter, Receiver])
def test_handlers_cover_exactly_the_reachable_states_of_a_role(engine):
    prefix = "T_" if engine is Transmitter else "R_"
    handled = {state for state, _ in engine.HANDLERS}
    role_states = {s for s in State if s.name.startswith(prefix)}
    assert role_states <= handled
    assert handled <= role_states | {State.IDLE}
    for (state, kind), name in engine.HANDLERS.items():
        assert callable(getattr(engine, name)), name


def test_a_move_outside_the_table_is_refused():
    tx = Transmitter(LocalCapabilities(), 1)
    tx.handle(ev.Start(0.0))
    with pytest.raises(IllegalTransition):
        tx.goto(State.T_SEND_PAGE)  # no page before training


def test_the_engine_imports_no_io():
    code = ("import sys, faxgw.t30.transmitter, faxgw.t30.receiver, faxgw.t30.dis;"
            "bad = {'asyncio', 'serial', 'aiohttp', 'serial_asyncio'} & set(sys.modules);"
            "print(sorted(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_every_outcome_has_a_sentence_and_a_retry_class():
    for outcome in Outcome:
        assert outcome.sentence.endswith(".") and len(outcome.sentence) > 15
        assert isinstance(outcome.retry, RetryClass)
    assert Outcome.SUCCESS.retry is RetryClass.NONE
    assert Outcome.BUSY.retry is RetryClass.SOON
    assert Outcome.NO_FAX_AT_FAR_END.retry is RetryClass.NO_FAX
    assert Outcome.CANCELLED.retry is RetryClass.STOPPED
