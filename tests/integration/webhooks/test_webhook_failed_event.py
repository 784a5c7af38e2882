"""FaxWebhookUpdateFailed as an event: delivered like any other, once, never in a loop."""

import asyncio
import time

from tests.integration.webhooks.harness import running_app, wait_for
from tests.integration.webhooks.receiver import Receiver

FAILED_TYPE = "com.faxgw.fax.FaxWebhookUpdateFailed"


async def receiver_for(api, events=None, **options):
    receiver = await Receiver(secrets=[], **options).start()
    endpoint = await api.create_endpoint(receiver.url, events)
    receiver.secrets = [endpoint["secret"]]
    return receiver, endpoint


async def settled_log(api, fax_id: str, events: int) -> dict:
    """GET /fax/{faxId}/events once it has `events` events and nothing is pending any more."""
    deadline = time.monotonic() + 20
    while True:
        log = await api.call("GET", f"/fax/{fax_id}/events")
        states = [d["state"] for e in log["events"] for d in e["deliveries"]]
        if len(log["events"]) >= events and "pending" not in states:
            return log
        assert time.monotonic() < deadline, f"not settled: {len(log['events'])} events, {states}"
        await asyncio.sleep(0.1)


async def test_a_healthy_endpoint_hears_of_a_dead_ones_failure_once(tmp_path):
    async with running_app(tmp_path, {"give_up_after_s": 1.0}) as ra:
        api = await ra.tenant("clinic")
        dead, dead_endpoint = await receiver_for(api, mode="fail")  # wants every event
        healthy, healthy_endpoint = await receiver_for(api, ["FaxWebhookUpdateFailed"])
        try:
            fax = await api.send_fax()
            fax_id = fax["faxId"]
            await wait_for(lambda: len(healthy.accepted) >= 1, 20, "the FaxWebhookUpdateFailed event")
            # The dead endpoint is sent the failure event too, and gives it up as well; that
            # must end there. Wait until nothing is pending, then count.
            log = await settled_log(api, fax_id, 2)
            types = [e["event"]["type"] for e in log["events"]]
            assert types == ["com.faxgw.fax.FaxReceived", FAILED_TYPE]
            received, failed = log["events"]
            assert [(d["endpointId"], d["state"]) for d in received["deliveries"]] == [
                (dead_endpoint["endpointId"], "given_up")]
            by_endpoint = {d["endpointId"]: d["state"] for d in failed["deliveries"]}
            assert by_endpoint == {dead_endpoint["endpointId"]: "given_up",
                                   healthy_endpoint["endpointId"]: "delivered"}

            assert healthy.rejected == [] and dead.rejected == []  # every request was signed
            assert healthy.duplicates == []
            (arrival,) = healthy.accepted
            assert arrival.type == FAILED_TYPE
            assert arrival.fax_id == fax_id and arrival.sequence == 2
            assert arrival.event_id == failed["event"]["id"]
            assert arrival.envelope["data"]["webhookFailed"] is True
            assert arrival.envelope["data"]["faxStatus"] == "FaxReceived"  # status not replaced
            assert dead.accepted == []

            found = await api.call("POST", "/fax/search", json={
                "faxId": fax_id, "showFaxStatusChangeHistory": True})
            history = [h["faxStatus"] for h in found["faxes"][0]["statusHistory"]]
            assert history == ["FaxReceived", "FaxWebhookUpdateFailed"]
        finally:
            await dead.stop()
            await healthy.stop()


async def test_the_failing_endpoint_hears_of_it_when_it_recovers_and_later_events_follow(tmp_path):
    async with running_app(tmp_path, {"give_up_after_s": 1.0}) as ra:
        api = await ra.tenant("clinic")
        receiver, endpoint = await receiver_for(api, mode="fail")
        try:
            fax_id = (await api.send_fax())["faxId"]

            async def first_given_up() -> bool:
                log = await api.call("GET", f"/fax/{fax_id}/events")
                deliveries = log["events"][0]["deliveries"]  # empty until the fan-out ran
                return bool(deliveries) and deliveries[0]["state"] == "given_up"

            deadline = time.monotonic() + 20
            while not await first_given_up():
                assert time.monotonic() < deadline, "the first event was not given up"
                await asyncio.sleep(0.05)
            receiver.mode = "ok"
            # The given-up event does not block the line: the failure event and a later
            # status change arrive, in order.
            await api.hold(fax_id)
            await wait_for(lambda: len(receiver.accepted) >= 2, 20, "the events after recovery")
            await settled_log(api, fax_id, 3)
            assert receiver.rejected == [] and receiver.duplicates == []
            assert [(a.type, a.sequence) for a in receiver.accepted] == [
                (FAILED_TYPE, 2), ("com.faxgw.fax.FaxHeld", 3)]
            assert receiver.accepted[0].envelope["data"]["webhookFailed"] is True
        finally:
            await receiver.stop()
