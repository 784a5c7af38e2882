"""Per-destination learning through the real daemon and hw-sim: a number whose first call
fails TCF at 14400 is called next at a lower start speed and the fax goes through there,
without training at 14400 again; an ECM call that fails in its page phase makes the retry
go without ECM. The attempt details say which learned values each call started from.

Its own bank and daemon: Class 1 modems only (faxgw's T.30 engine trains; a Class 2.0
modem's firmware does not learn from us). The fax machine at the far end is faxgw's own
receiver on a modem of the same daemon (it offers ECM, which efax does not, and it is
ready for the next call as soon as the line drops)."""

from __future__ import annotations

import asyncio
import time

import pytest

from faxgw.store import Store
from hwsim import ModemBank

from .gateway import Daemon, make_pdf

pytestmark = pytest.mark.interop
RETRY = {"backoff_protocol_s": 1.0, "backoff_busy_s": 1.0}


async def until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    with ModemBank(timing="accelerated",
                   log_path=tmp_path_factory.mktemp("bank") / "calls.jsonl") as b:
        b.add_modem("3101", name="out1")
        b.add_modem("4301", name="in1")
        yield b
        assert not b.log.errors, f"simulator errors: {b.log.errors}"


@pytest.fixture(scope="module")
def daemon(bank, tmp_path_factory):
    modems = {m.name: m for m in bank.modems()}
    d = Daemon(tmp_path_factory.mktemp("daemon"), [modems["out1"]], retry=RETRY,
               answering=[modems["in1"]]).start()
    yield d
    d.stop()


async def test_tcf_failed_at_14400_then_the_retry_starts_lower_and_succeeds(
        client, bank, daemon):
    # Every TCF at 14400 to this number is wrecked by noise; below it the line is clean.
    bank.set_faults("4301", bit_error_rate=0.02, bit_errors_on="training",
                    bit_errors_min_bps=14400)
    # And the first call dies once its first page is under way, after the training.
    bank.fault_next_call("4301", drop_during_page=1, drop_after_page_bytes=512)
    fax = await client.send("4301", make_pdf(1))
    done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=120)
    attempts = await client.attempts(fax["faxId"])
    assert done["faxStatus"] == "FaxSent", [(a["outcome"], a["failedReason"]) for a in attempts]
    first, *between, second = attempts
    assert {a["outcome"] for a in between} <= {"busy"}
    assert first["outcome"] != "success"
    assert first["details"]["failed_trainings"] == {"V.17 14400": 3}, first["details"]
    assert first["details"]["learned"]["startBitRate"] is None  # nothing known yet
    # The retry started from what worked (12000) instead of repeating 14400.
    assert second["outcome"] == "success" and second["bitRate"] == 12000
    assert second["details"]["learned"]["startBitRate"] == 12000
    assert second["details"]["options_used"]["maxBitRate"] == 12000
    assert second["details"]["failed_trainings"] == {} and second["details"]["trainings"] == 1
    await until(lambda: any(r["complete"] and r["pages"] == 1 for r in daemon.received()))
    store = await Store.open(daemon.state_dir)
    try:
        learned = await store.destination("4301")
    finally:
        await store.close()
    assert (learned.start_bit_rate, learned.last_bit_rate, learned.tcf_failures) == \
        (12000, 12000, 3)
    assert learned.v17_failures == 3 and learned.calls == 2 and learned.successes == 1


async def test_an_ecm_call_that_fails_in_its_page_phase_makes_the_retry_go_without_ecm(
        client, bank, daemon):
    # The first call's ECM frames are damaged (so the receiver asks for some again) and
    # the line dies during the frames sent again. No standing noise on trainings here.
    bank.set_faults("4301", None)
    bank.fault_next_call("4301", bit_error_rate=3e-4, bit_errors_on="ecm_frames",
                         drop_during_page=2, drop_after_page_bytes=256)
    fax = await client.send("4301", make_pdf(1, seed=2))
    done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=120)
    attempts = await client.attempts(fax["faxId"])
    assert done["faxStatus"] == "FaxSent", [(a["outcome"], a["failedReason"]) for a in attempts]
    first, *between, second = attempts
    assert {a["outcome"] for a in between} <= {"busy"}
    assert first["outcome"] != "success" and first["ecm"] is True, first
    assert first["details"]["pprs"] >= 1 and first["details"]["learned"]["ecm"] is True
    assert second["details"]["learned"]["ecm"] is False
    assert second["details"]["options_used"]["ecm"] is False
    assert second["outcome"] == "success" and second["ecm"] is False
    store = await Store.open(daemon.state_dir)
    try:
        learned = await store.destination("4301")
    finally:
        await store.close()
    assert learned.ecm is False and learned.ecm_failures == 1
