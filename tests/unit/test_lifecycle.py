"""The lifecycle table, and its invariants under random sequences against the real store."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from faxgw import lifecycle
from faxgw.lifecycle import Action, Status, TransitionRefused
from faxgw.store import AttemptResult, Document, NewFax, Store

R, AI, RA, RT, H, RFC, C, S, F = (
    "FaxReceived", "FaxAttemptInitiated", "FaxRetryAttempted", "FaxRetry", "FaxHeld",
    "FaxReceivedForCancel", "FaxCancelled", "FaxSent", "FaxFailed")


def test_table_matches_the_design_page():
    # Transcribed from ../shared/design/api-and-lifecycle.md, "Transitions".
    expected = {
        Action.CLAIM: ({R, RA, RT}, AI),
        Action.ATTEMPT_SENT: ({AI}, S),
        Action.ATTEMPT_RETRY: ({AI}, RA),
        Action.ATTEMPT_FAILED: ({AI}, F),
        Action.RETRY: ({F}, RT),
        Action.HOLD: ({R, RA, RT}, H),
        Action.REVIVE: ({H}, None),
        Action.STOP: ({R, RA, RT, H}, RFC),
        Action.CANCEL_DONE: ({RFC}, C),
    }
    for action, (sources, target) in expected.items():
        t = lifecycle.TRANSITIONS[action]
        assert {s.value for s in t.sources} == sources, action
        assert (t.target.value if t.target else None) == target, action


def test_nothing_leaves_sent_or_cancelled_and_failed_only_by_retry():
    for action, t in lifecycle.TRANSITIONS.items():
        assert Status.SENT not in t.sources and Status.CANCELLED not in t.sources
        assert (Status.FAILED in t.sources) == (action is Action.RETRY)


def test_refusal_names_the_current_status():
    with pytest.raises(TransitionRefused) as exc:
        lifecycle.target(Action.HOLD, "FaxSent")
    assert exc.value.current is Status.SENT and "FaxSent" in str(exc.value)


def test_revive_goes_back_where_it_was_held_from():
    assert lifecycle.target(Action.REVIVE, H, held_from=RA) is Status.RETRY_ATTEMPTED
    with pytest.raises(ValueError):
        lifecycle.target(Action.REVIVE, H, held_from=None)


@pytest.mark.parametrize("success, manual, left, give_up, expected", [
    (True, False, 0, False, Action.ATTEMPT_SENT),
    (True, True, 0, False, Action.ATTEMPT_SENT),
    (False, False, 3, False, Action.ATTEMPT_RETRY),
    (False, False, 0, False, Action.ATTEMPT_FAILED),
    (False, True, 3, False, Action.ATTEMPT_FAILED),
    (False, False, 3, True, Action.ATTEMPT_FAILED),
])
def test_attempt_end(success, manual, left, give_up, expected):
    assert lifecycle.attempt_end(success, manual, left, give_up) is expected


def test_partial_indexes_list_the_same_statuses_as_the_table():
    from faxgw.store.db import migrations
    schema = "".join(sql for _, sql in migrations())
    queued = "', '".join(sorted((s.value for s in lifecycle.QUEUED), key=[R, RA, RT].index))
    assert f"status IN ('{queued}')" in schema
    assert "status IN ('FaxSent', 'FaxFailed', 'FaxCancelled')" in schema
    assert {s.value for s in lifecycle.TERMINAL} == {S, F, C}


MAX_RETRIES = 2
QUEUED = {R, RA, RT}
ACTIONS = {"hold": ({R, RA, RT}, "hold"), "revive": ({H}, "revive"), "retry": ({F}, "retry"),
           "stop": ({R, RA, RT, H}, "stop")}


class LifecycleMachine(RuleBasedStateMachine):
    """A model written from the design page, run side by side with the real store."""

    @initialize()
    def open_store(self):
        self.loop = asyncio.new_event_loop()
        self.dir = Path(tempfile.mkdtemp())
        self.store = self.run(Store.open(self.dir, max_automatic_retries=MAX_RETRIES))
        self.tenant = self.run(self.store.create_tenant("t"))[0]
        self.faxes: dict[str, dict] = {}
        self.open_attempts: dict[str, str] = {}  # fax id -> its open attempt id

    def teardown(self):
        if hasattr(self, "store"):
            self.run(self.store.close())
            self.loop.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def change(self, fax_id: str, status: str) -> None:
        m = self.faxes[fax_id]
        assert m["status"] not in (S, C), f"terminal {m['status']} left for {status}"
        m["status"] = status
        m["history"].append(status)

    # A few faxes only, so that the steps pile up on them and reach the deep statuses.
    @precondition(lambda self: len(self.faxes) < 3)
    @rule()
    def submit(self):
        fax_id = f"00000000-0000-4000-8000-{len(self.faxes):012d}"
        doc = Document(1, "pdf", None, 1, "0" * 64, f"faxes/{fax_id}/1.pdf")
        row, created = self.run(self.store.submit(NewFax(fax_id, self.tenant, f"+1555{len(self.faxes):07d}", [doc])))
        assert created and row["status"] == R
        self.faxes[fax_id] = {"status": R, "history": [R], "held_from": None, "auto_left": MAX_RETRIES,
                              "manual": False, "auto_attempts": 0, "manual_attempts": 0, "retries": 0}

    @precondition(lambda self: self.faxes)
    @rule(data=st.data(), action=st.sampled_from(sorted(ACTIONS)))
    def client_action(self, data, action):
        fax_id = data.draw(st.sampled_from(sorted(self.faxes)))
        m = self.faxes[fax_id]
        allowed, method = ACTIONS[action]
        before = m["status"]
        try:
            row = self.run(getattr(self.store, method)(self.tenant, fax_id))
        except TransitionRefused as exc:
            assert before not in allowed and exc.current.value == before
            return
        assert before in allowed, f"{action} accepted from {before}"
        if action == "hold":
            m["held_from"] = before
            self.change(fax_id, H)
        elif action == "revive":
            self.change(fax_id, m["held_from"])
        elif action == "retry":
            m["manual"], m["retries"] = True, m["retries"] + 1
            self.change(fax_id, RT)
        else:
            self.change(fax_id, RFC)
            self.change(fax_id, C)
        assert row["status"] == m["status"]

    # Reaching a manual attempt takes a failure, a retry and a claim of the same fax: this
    # rule steers there more often than drawing a random action on a random fax would.
    @precondition(lambda self: any(m["status"] == F for m in self.faxes.values()))
    @rule(data=st.data())
    def retry_a_failed_fax(self, data):
        fax_id = data.draw(st.sampled_from(sorted(f for f, m in self.faxes.items() if m["status"] == F)))
        row = self.run(self.store.retry(self.tenant, fax_id))
        m = self.faxes[fax_id]
        m["manual"], m["retries"] = True, m["retries"] + 1
        self.change(fax_id, RT)
        assert row["status"] == RT

    # start_attempt (the claim of one given fax) rather than claim_next_job: which fax the
    # latter takes depends on millisecond timestamps, and the machine must replay exactly.
    @precondition(lambda self: self.faxes)
    @rule(data=st.data())
    def claim(self, data):
        queued = sorted(f for f, m in self.faxes.items() if m["status"] in QUEUED)
        # Mostly a queued fax (the scheduler's case), sometimes any (a claim that must lose).
        fax_id = data.draw(st.sampled_from(queued or sorted(self.faxes)) if data.draw(st.integers(0, 3))
                           else st.sampled_from(sorted(self.faxes)))
        m = self.faxes[fax_id]
        claim = self.run(self.store.start_attempt(fax_id, "m0"))
        if claim is None:
            assert m["status"] not in QUEUED
            return
        assert m["status"] in QUEUED and claim.manual == m["manual"]
        m["manual_attempts" if claim.manual else "auto_attempts"] += 1
        self.open_attempts[fax_id] = claim.attempt_id
        self.change(fax_id, AI)

    @precondition(lambda self: self.open_attempts)
    @rule(data=st.data(), success=st.booleans(), give_up=st.booleans())
    def finish(self, data, success, give_up):
        fax_id = data.draw(st.sampled_from(sorted(self.open_attempts)))
        attempt_id = self.open_attempts.pop(fax_id)
        m = self.faxes[fax_id]
        row = self.run(self.store.finish_attempt(attempt_id, AttemptResult(
            success=success, outcome="ok" if success else "busy", failed_reason=None if success else "Busy.",
            give_up=give_up)))
        if success:
            expected = S
        elif m["manual"] or give_up or m["auto_left"] == 0:
            expected = F
        else:
            expected, m["auto_left"] = RA, m["auto_left"] - 1
        m["manual"] = False
        self.change(fax_id, expected)
        assert row["status"] == expected

    @invariant()
    def database_agrees_with_the_model(self):
        if not hasattr(self, "store"):
            return
        with sqlite3.connect(self.dir / "faxgw.sqlite3") as db:
            for fax_id, m in self.faxes.items():
                status, left = db.execute("SELECT status, auto_retries_left FROM faxes WHERE id=?", (fax_id,)).fetchone()
                assert status == m["status"]
                # History complete: every change, in order; one outbox event per change.
                history = [h for (h,) in db.execute("SELECT status FROM fax_history WHERE fax_id=? ORDER BY id", (fax_id,))]
                assert history == m["history"]
                seqs = [s for (s,) in db.execute("SELECT seq FROM outbox WHERE fax_id=? ORDER BY id", (fax_id,))]
                assert seqs == list(range(1, len(history) + 1))
                # At most one attempt in progress, and exactly one while FaxAttemptInitiated.
                (open_n,) = db.execute("SELECT COUNT(*) FROM attempts WHERE fax_id=? AND ended_ms IS NULL", (fax_id,)).fetchone()
                assert open_n == (1 if status == AI else 0)
                # Retry budget: 1 + MAX_RETRIES automatic attempts at most; one manual per retry.
                auto, manual = db.execute("SELECT COUNT(*) - SUM(manual), SUM(manual) FROM attempts WHERE fax_id=?",
                                          (fax_id,)).fetchone()
                assert (auto or 0) == m["auto_attempts"] <= 1 + MAX_RETRIES
                assert (manual or 0) == m["manual_attempts"] <= m["retries"]
                assert 0 <= left == m["auto_left"]


LifecycleMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_lifecycle_invariants = LifecycleMachine.TestCase
