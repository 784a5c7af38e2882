"""The delivery worker inside the real app, against real receivers on loopback ports."""

import asyncio
import time

import pytest

from tests.integration.webhooks.harness import running_app, wait_for
from tests.integration.webhooks.receiver import Receiver


async def start_receiver(api, **options):
    receiver = await Receiver(secrets=[], **options).start()
    endpoint = await api.create_endpoint(receiver.url)
    receiver.secrets = [endpoint["secret"]]
    return receiver, endpoint


async def churn(api, faxes: int, cycles: int) -> dict[str, int]:
    """Submit faxes and hold/revive each `cycles` times; returns events per fax."""
    made = {}
    for _ in range(faxes):
        fax = await api.send_fax()
        for _ in range(cycles):
            await api.hold(fax["faxId"])
            await api.revive(fax["faxId"])
        made[fax["faxId"]] = 1 + 2 * cycles
    return made


async def test_all_events_of_every_fax_arrive_in_order(tmp_path):
    async with running_app(tmp_path) as ra:
        api = await ra.tenant("clinic")
        # Random answer latency: without per-fax ordering, later events would overtake.
        receiver, _ = await start_receiver(api, max_latency_s=0.03)
        try:
            made = await churn(api, faxes=8, cycles=4)
            total = sum(made.values())
            await wait_for(lambda: len(receiver.accepted) >= total, 20, f"{total} events")
            assert receiver.rejected == []
            sequences = receiver.sequences_by_fax()
            assert set(sequences) == set(made)
            for fax_id, count in made.items():
                assert sequences[fax_id] == list(range(1, count + 1)), fax_id
            for arrival in receiver.accepted:
                assert arrival.type == "com.faxgw.fax." + arrival.envelope["data"]["faxStatus"]
        finally:
            await receiver.stop()


async def test_a_receiver_that_was_down_gets_everything_when_back(tmp_path):
    async with running_app(tmp_path) as ra:
        api = await ra.tenant("clinic")
        receiver, _ = await start_receiver(api, mode="fail")
        try:
            first = await churn(api, faxes=3, cycles=2)
            await wait_for(lambda: receiver.requests >= 6, 10, "failing deliveries being tried")
            port = receiver.port
            await receiver.stop()  # now connections are refused
            second = await churn(api, faxes=3, cycles=2)
            await asyncio.sleep(0.5)  # retries meet a closed port
            receiver.mode = "ok"
            await receiver.start(port)
            made = {**first, **second}
            total = sum(made.values())
            await wait_for(lambda: len(receiver.accepted) >= total, 30, f"{total} events after recovery")
            assert receiver.rejected == []
            for fax_id, count in made.items():
                assert receiver.sequences_by_fax()[fax_id] == list(range(1, count + 1))
            ids = [a.event_id for a in receiver.accepted]
            assert len(ids) == len(set(ids)) == total
        finally:
            await receiver.stop()


async def test_a_receiver_that_never_succeeds_ends_in_fax_webhook_update_failed(tmp_path):
    async with running_app(tmp_path, {"give_up_after_s": 1.0}) as ra:
        api = await ra.tenant("clinic")
        receiver, endpoint = await start_receiver(api, mode="fail")
        try:
            (fax_id,) = await churn(api, faxes=1, cycles=2)  # five events, all to be given up
            await api.hold(fax_id)  # six: end held, to see that the status stays

            async def states():
                log = await api.call("GET", f"/fax/{fax_id}/events")
                return [d["state"] for e in log["events"] for d in e["deliveries"]], log

            # Six status events and the FaxWebhookUpdateFailed event (this endpoint wants
            # every type), all given up: the seventh giving up records nothing more.
            deadline = time.monotonic() + 20
            while (await states())[0] != ["given_up"] * 7:
                assert time.monotonic() < deadline, "deliveries were not given up"
                await asyncio.sleep(0.1)
            _, log = await states()

            current = await api.get_fax(fax_id)
            assert current["webhookFailed"] is True
            assert current["faxStatus"] == "FaxHeld"  # the delivery status is not replaced
            found = await api.call("POST", "/fax/search", json={
                "faxId": fax_id, "showFaxStatusChangeHistory": True})
            history = [h["faxStatus"] for h in found["faxes"][0]["statusHistory"]]
            assert history.count("FaxWebhookUpdateFailed") == 1
            types = [e["event"]["type"] for e in log["events"]]
            assert types[6:] == ["com.faxgw.fax.FaxWebhookUpdateFailed"]  # one, and no loop
            assert history[:6] == ["FaxReceived", "FaxHeld", "FaxReceived", "FaxHeld", "FaxReceived", "FaxHeld"]

            first = log["events"][0]["deliveries"][0]
            assert first["endpointId"] == endpoint["endpointId"]
            assert first["attemptCount"] == len(first["attempts"]) >= 2
            assert all(a["statusCode"] == 500 and not a["delivered"] for a in first["attempts"])
            # The window runs from when each event was queued: the events waiting behind
            # the first are not given a fresh second each (that would take 6 s or more).
            started = _epoch(log["events"][0]["event"]["time"])
            finished = max(_epoch(e["deliveries"][0]["finishedOn"]) for e in log["events"][:6])
            assert finished - started < 3.5
            assert receiver.accepted == [] and receiver.rejected == []
        finally:
            await receiver.stop()


async def test_a_hanging_receiver_does_not_delay_another_tenant(tmp_path):
    limits = {"total_timeout_s": 5.0, "concurrency": 8, "per_endpoint_concurrency": 2}
    async with running_app(tmp_path, limits) as ra:
        slow_api, fast_api = await ra.tenant("slow"), await ra.tenant("fast")
        hanging, _ = await start_receiver(slow_api, mode="hang")
        healthy, _ = await start_receiver(fast_api)
        try:
            await churn(slow_api, faxes=20, cycles=0)  # 20 heads of line, each hangs for 5 s
            await wait_for(lambda: hanging.requests >= 2, 5, "the hanging receiver to be busy")
            started = time.monotonic()
            made = await churn(fast_api, faxes=5, cycles=1)
            total = sum(made.values())
            await wait_for(lambda: len(healthy.accepted) >= total, 3, "the other tenant's events")
            assert time.monotonic() - started < 3
            for arrival in healthy.accepted:
                delay_s = arrival.received_at - _epoch(arrival.envelope["time"])
                assert delay_s < 1.0, delay_s
            assert hanging.accepted == []
        finally:
            await hanging.stop()
            await healthy.stop()


async def test_a_tenant_whose_endpoints_all_hang_does_not_take_every_slot(tmp_path):
    # 3 hanging endpoints x 2 slots would fill all 6 slots (and with per_tenant_concurrency
    # = 6 this test fails); by default a tenant may hold 6 - 2 = 4 of them.
    limits = {"total_timeout_s": 5.0, "concurrency": 6, "per_endpoint_concurrency": 2}
    async with running_app(tmp_path, limits) as ra:
        slow_api, fast_api = await ra.tenant("slow"), await ra.tenant("fast")
        hanging = [(await start_receiver(slow_api, mode="hang"))[0] for _ in range(3)]
        healthy, _ = await start_receiver(fast_api)
        try:
            await churn(slow_api, faxes=10, cycles=0)  # heads at all 3 endpoints, each hangs 5 s
            await wait_for(lambda: sum(h.requests for h in hanging) >= 4, 5, "the slow tenant's slots to fill")
            started = time.monotonic()
            made = await churn(fast_api, faxes=3, cycles=1)
            total = sum(made.values())
            await wait_for(lambda: len(healthy.accepted) >= total, 3, "the other tenant's events")
            assert time.monotonic() - started < 3
            assert sum(h.requests for h in hanging) == 4  # never more than its share at once
        finally:
            for receiver in (*hanging, healthy):
                await receiver.stop()


async def test_an_unparseable_endpoint_url_is_a_failed_attempt_not_a_stuck_line(tmp_path):
    async with running_app(tmp_path, {"give_up_after_s": 0.5}) as ra:
        api = await ra.tenant("clinic")
        (tenant_id,) = [t["id"] for t in await ra.store.tenants() if t["name"] == "clinic"]
        # Past the API's checks (written straight into the database): the worker meets it.
        await ra.store.create_endpoint(tenant_id, "http://[::1/hook", ["FaxReceived"], None)
        fax = await api.send_fax()
        deadline = time.monotonic() + 10
        while True:
            log = await api.call("GET", f"/fax/{fax['faxId']}/events")
            deliveries = log["events"][0]["deliveries"]
            if deliveries and deliveries[0]["state"] == "given_up":
                break
            assert time.monotonic() < deadline, log
            await asyncio.sleep(0.05)
        assert deliveries[0]["attempts"][0]["error"].startswith("internal error: ValueError")
        assert (await api.get_fax(fax["faxId"]))["webhookFailed"] is True


async def test_endpoints_get_only_the_statuses_they_asked_for(tmp_path):
    async with running_app(tmp_path) as ra:
        api = await ra.tenant("clinic")
        receiver = await Receiver(secrets=[]).start()
        try:
            endpoint = await api.create_endpoint(receiver.url, events=["FaxHeld"])
            receiver.secrets = [endpoint["secret"]]
            await churn(api, faxes=2, cycles=2)
            await wait_for(lambda: len(receiver.accepted) >= 4, 10, "4 FaxHeld events")
            await asyncio.sleep(0.3)
            assert {a.type for a in receiver.accepted} == {"com.faxgw.fax.FaxHeld"}
            assert len(receiver.accepted) == 4
        finally:
            await receiver.stop()


def _epoch(iso_time: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso_time.replace("Z", "+00:00")).timestamp()
