"""Fixtures for hw-sim tests: a modem bank per test, and a check that nothing leaks."""

from __future__ import annotations

import pytest

from hwsim import ModemBank
from tests.leaks import assert_nothing_leaked, snapshot


@pytest.fixture(autouse=True)
def no_leaks():
    """Fail a test that leaves pty descriptors or threads behind."""
    before = snapshot()
    yield
    assert_nothing_leaked(before)


@pytest.fixture
def bank(tmp_path):
    with ModemBank(timing="accelerated", log_path=tmp_path / "calls.jsonl") as b:
        yield b
        assert not b.log.errors, f"simulator errors: {b.log.errors}"


@pytest.fixture
def pair(bank):
    """Two modems, 1001 and 1002."""
    return bank.add_modem("1001"), bank.add_modem("1002")
