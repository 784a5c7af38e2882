"""The daemon killed with SIGKILL in mid-call: after a restart the interrupted attempt is on
record and the fax is sent, resending only the pages not confirmed before the crash.

The fax machine here is a second faxgw daemon answering on its own simulated modem (efax,
left in a call whose other end died, loops on NO CARRIER and never hangs up)."""

from __future__ import annotations

import asyncio

import aiohttp

from faxgw.store import Store
from hwsim import ModemBank

from .gateway import Client, Daemon, make_pdf

# The called modem may still be in the dead call for a moment: a busy line is tried again
# after 2 s, well within the retry budget.
RETRY = {"backoff_busy_s": 2.0, "backoff_protocol_s": 1.0}


async def test_sigkill_mid_call_then_restart_sends_the_fax(tmp_path):
    with ModemBank(timing="accelerated", log_path=tmp_path / "calls.jsonl") as bank:
        out = bank.add_modem("3101", name="out1")
        answering = bank.add_modem("4500", name="in1")
        receiver = Daemon(tmp_path / "rx", [], answering=[answering]).start()
        daemon = Daemon(tmp_path / "gw", [out], retry=RETRY).start()
        try:
            store = await Store.open(daemon.state_dir)
            _, key = await store.create_tenant("crash")
            await store.close()
            async with aiohttp.ClientSession() as http:
                client = Client(http, daemon.url, key)
                fax = await client.send("4500", make_pdf(6, seed=5))
                fax_id = fax["faxId"]
                await _until_page_confirmed(client, fax_id)
                daemon.kill()

                daemon.start()  # same state dir, same modems
                client.url = daemon.url
                done = await client.wait_status(fax_id, {"FaxSent", "FaxFailed"}, timeout=90)
                assert done["faxStatus"] == "FaxSent", (done, daemon.log()[-3000:])
                attempts = await client.attempts(fax_id)
            await asyncio.sleep(0.5)  # the receiver writes its record after the hang-up
            received = receiver.received()
        finally:
            daemon.stop()
            receiver.stop()
    first, last = attempts[0], attempts[-1]
    assert first["outcome"] == "interrupted" and not first["inProgress"]
    assert "interrupted" in first["failedReason"] and first["endedOn"] is not None
    confirmed_before = first["pagesConfirmed"]
    assert 1 <= confirmed_before < 6
    assert last["outcome"] == "success"
    assert last["details"]["pagesAttempted"] == list(range(confirmed_before + 1, 7))
    assert {a["outcome"] for a in attempts[1:-1]} <= {"busy", "no_answer"}
    # What the far end holds: the pages before the crash, then the rest, nothing twice.
    complete = [r for r in received if r["complete"]]
    assert len(complete) == 1 and complete[0]["pages"] == 6 - confirmed_before
    assert sum(r["pages"] for r in received) >= 6


async def _until_page_confirmed(client: Client, fax_id: str, timeout: float = 30) -> None:
    attempts: list = []
    for _ in range(int(timeout / 0.05)):
        attempts = await client.attempts(fax_id)
        if attempts and attempts[0]["inProgress"] and attempts[0]["pagesConfirmed"] >= 1:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no page confirmed within {timeout} s: {attempts}")
