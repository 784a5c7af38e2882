"""Automatic and manual retries against a line that is always busy, and the give-up rule
for a number that answers without a fax machine."""

from __future__ import annotations

import asyncio

from .conftest import CLASS20_MODEM
from .gateway import make_pdf

BUSY = "The number was busy."


def calls_to(bank, number: str) -> list[dict]:
    return [c for c in bank.calls() if c["dialed"] == number]


async def test_busy_every_time_gives_six_attempts_then_failed_and_retry_buys_one(client, bank):
    bank.add_modem("4100", name="busy4100")
    bank.set_faults("4100", busy=True)
    fax = await client.send("4100", make_pdf(1))
    done = await client.wait_status(fax["faxId"], {"FaxFailed", "FaxSent"})
    assert done["faxStatus"] == "FaxFailed" and done["failedReason"] == BUSY
    assert done["attemptCount"] == 6 and done["automaticRetriesLeft"] == 0
    attempts = await client.attempts(fax["faxId"])
    assert [a["attemptNumber"] for a in attempts] == [1, 2, 3, 4, 5, 6]
    assert {a["outcome"] for a in attempts} == {"busy"}
    assert {a["failedReason"] for a in attempts} == {BUSY}
    assert not any(a["manual"] or a["inProgress"] for a in attempts)
    # Six calls rotate over the pool, so the Class 2.0 modem's busy line maps the same way.
    assert CLASS20_MODEM in {a["modem"] for a in attempts}
    assert len(calls_to(bank, "4100")) == 6
    assert {c["result"] for c in calls_to(bank, "4100")} == {"busy"}

    status, body = await client.call("PUT", f"/fax/{fax['faxId']}/retry")
    assert status == 200 and body["faxStatus"] == "FaxRetry", body
    done = await client.wait_status(fax["faxId"], {"FaxFailed", "FaxSent"})
    assert done["faxStatus"] == "FaxFailed" and done["attemptCount"] == 7
    await asyncio.sleep(1.5)  # several backoffs: no automatic attempt may follow a manual one
    attempts = await client.attempts(fax["faxId"])
    assert len(attempts) == 7 and attempts[-1]["manual"] and attempts[-1]["outcome"] == "busy"
    assert len(calls_to(bank, "4100")) == 7
    history = (await client.call("POST", "/fax/search", json={
        "faxId": fax["faxId"], "showFaxStatusChangeHistory": True}))[1]["faxes"][0]["statusHistory"]
    statuses = [h["faxStatus"] for h in history]
    assert statuses.count("FaxAttemptInitiated") == 7 and statuses.count("FaxRetryAttempted") == 5
    assert statuses[-3:] == ["FaxRetry", "FaxAttemptInitiated", "FaxFailed"]


async def test_a_number_answering_twice_without_a_fax_machine_is_not_called_again(client, bank):
    bank.add_modem("4150", name="voice4150")
    bank.set_faults("4150", voice_answer=True)
    fax = await client.send("4150", make_pdf(1))
    done = await client.wait_status(fax["faxId"], {"FaxFailed", "FaxSent"})
    assert done["faxStatus"] == "FaxFailed" and done["attemptCount"] == 2
    assert "answered 2 times without a fax machine" in done["failedReason"]
    assert "will not be called again" in done["failedReason"]
    assert done["automaticRetriesLeft"] == 4  # the budget was not what stopped it
    await asyncio.sleep(1.5)
    assert len(calls_to(bank, "4150")) == 2
    assert {c["result"] for c in calls_to(bank, "4150")} == {"voice"}
