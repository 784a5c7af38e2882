"""Stop, hold and revive against real calls; races decided by the database."""

from __future__ import annotations

import asyncio

from .gateway import make_pdf

# A busy line waits 4 s before the next try: time enough to stop the fax in between.
RETRY = {"backoff_busy_s": 4.0}


async def test_stop_while_waiting_between_retries_cancels_and_no_call_follows(client, bank):
    bank.add_modem("4200", name="busy4200")
    bank.set_faults("4200", busy=True)
    fax = await client.send("4200", make_pdf(1))
    waiting = await client.wait_status(fax["faxId"], {"FaxRetryAttempted"})
    assert waiting["attemptCount"] == 1 and waiting["nextAttemptOn"] is not None
    status, body = await client.call("DELETE", f"/fax/{fax['faxId']}")
    assert status == 200 and body["faxStatus"] == "FaxCancelled", body
    await asyncio.sleep(5)  # past the backoff
    fax_now = await client.fax(fax["faxId"])
    assert fax_now["faxStatus"] == "FaxCancelled" and fax_now["attemptCount"] == 1
    assert len([c for c in bank.calls() if c["dialed"] == "4200"]) == 1


async def test_hold_before_first_attempt_then_revive_sends_and_stop_mid_call_is_refused(
        client, fax_machine):
    efax = fax_machine("4300")
    first = await client.send("4300", make_pdf(3))
    await client.wait_status(first["faxId"], {"FaxAttemptInitiated"})
    # The number is in a call: the scheduler may not claim the second fax for it yet.
    second = await client.send("4300", make_pdf(2, seed=2))
    status, held = await client.call("PUT", f"/fax/{second['faxId']}/hold")
    assert status == 200 and held["faxStatus"] == "FaxHeld", held

    status, refused = await client.call("DELETE", f"/fax/{first['faxId']}")
    assert status == 409 and refused["faxStatus"] == "FaxAttemptInitiated", refused

    done = await client.wait_status(first["faxId"], {"FaxSent", "FaxFailed"})
    assert done["faxStatus"] == "FaxSent"
    efax.wait_calls(1)
    efax.wait_ready()
    await asyncio.sleep(1.0)  # the number is free, but a held fax is skipped
    still = await client.fax(second["faxId"])
    assert still["faxStatus"] == "FaxHeld" and still["attemptCount"] == 0

    status, revived = await client.call("PUT", f"/fax/{second['faxId']}/revive")
    assert status == 200 and revived["faxStatus"] == "FaxReceived", revived
    done = await client.wait_status(second["faxId"], {"FaxSent", "FaxFailed"})
    assert done["faxStatus"] == "FaxSent" and done["attemptCount"] == 1
    calls = efax.wait_calls(2)
    assert len(calls[1].files) == 2
