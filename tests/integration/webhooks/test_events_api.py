"""GET /fax/events, GET /fax/{faxId}/events and the secret rotation, through the real API."""

import asyncio
import socket

import jsonschema_rs  # comes with schemathesis (the test extra)

from faxgw.api.openapi import spec
from faxgw.webhooks import signing
from tests.integration.webhooks.harness import running_app, wait_for
from tests.integration.webhooks.receiver import Receiver


def assert_documented(body: dict, schema_name: str) -> None:
    """The answer matches the schema /openapi.json gives for it."""
    document = spec()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    jsonschema_rs.Draft202012Validator(schema).validate(body)


async def test_a_client_catches_up_with_after_in_order_and_pages(tmp_path):
    async with running_app(tmp_path) as ra:
        api, other = await ra.tenant("clinic"), await ra.tenant("other")
        faxes = [await api.send_fax() for _ in range(3)]
        for fax in faxes:
            await api.hold(fax["faxId"])
        await other.send_fax()

        everything = await api.call("GET", "/fax/events?limit=1000")
        assert everything["hasMore"] is False
        assert_documented(everything, "EventList")
        events = everything["events"]
        assert len(events) == 6
        assert {e["tenantid"] for e in events} == {faxes[0]["tenantId"]}
        assert [e["type"] for e in events] == ["com.faxgw.fax.FaxReceived"] * 3 + ["com.faxgw.fax.FaxHeld"] * 3

        page = await api.call("GET", "/fax/events?limit=4")
        assert page["hasMore"] is True and page["nextAfter"] == events[3]["id"]
        rest = await api.call("GET", f"/fax/events?after={page['nextAfter']}&limit=4")
        assert [e["id"] for e in page["events"] + rest["events"]] == [e["id"] for e in events]
        assert rest["hasMore"] is False

        # Another tenant's event id is as unknown as a made-up one.
        theirs = (await other.call("GET", "/fax/events"))["events"][0]["id"]
        for bad in (theirs, "not-an-event"):
            error = await api.call("GET", f"/fax/events?after={bad}", expect=404)
            assert error["code"] == "event_not_found"
        for bad_limit in ("0", "1001", "x"):
            await api.call("GET", f"/fax/events?limit={bad_limit}", expect=400)
        for method in ("DELETE", "POST", "PUT"):
            refused = await api.call(method, "/fax/events", expect=405)
            assert refused["code"] == "method_not_allowed"


async def test_fax_events_show_each_attempt_and_outcome(tmp_path):
    async with running_app(tmp_path, {"keep_response_body": True}) as ra:
        api = await ra.tenant("clinic")
        receiver = await Receiver(secrets=[], mode="fail").start()
        try:
            endpoint = await api.create_endpoint(receiver.url)
            receiver.secrets = [endpoint["secret"]]
            fax = await api.send_fax()
            await wait_for(lambda: receiver.requests >= 2, 10, "two failed attempts")
            receiver.mode = "ok"
            await wait_for(lambda: len(receiver.accepted) == 1, 10, "delivery after recovery")
            await asyncio.sleep(0.2)  # the worker records the outcome after the answer

            log = await api.call("GET", f"/fax/{fax['faxId']}/events")
            assert_documented(log, "FaxEventLog")
            assert log["faxId"] == fax["faxId"]
            (entry,) = log["events"]
            assert entry["event"]["id"] == receiver.accepted[0].event_id
            (delivery,) = entry["deliveries"]
            assert delivery["state"] == "delivered" and delivery["url"] == receiver.url
            codes = [a["statusCode"] for a in delivery["attempts"]]
            assert codes[:-1] == [500] * (len(codes) - 1) and codes[-1] == 204
            assert [a["number"] for a in delivery["attempts"]] == list(range(1, len(codes) + 1))
            assert delivery["attempts"][0]["responseExcerpt"] == "receiver broken"

            other = await ra.tenant("other")
            missing = await other.call("GET", f"/fax/{fax['faxId']}/events", expect=404)
            unknown = await api.call("GET", "/fax/00000000-0000-4000-8000-000000000000/events", expect=404)
            assert missing == unknown
        finally:
            await receiver.stop()


async def test_rotation_signs_with_both_secrets_during_the_grace_period(tmp_path):
    async with running_app(tmp_path) as ra:
        api = await ra.tenant("clinic")
        receiver = await Receiver(secrets=[]).start()
        try:
            endpoint = await api.create_endpoint(receiver.url)
            old = endpoint["secret"]
            rotated = await api.call(
                "POST", f"/fax/webhook/endpoints/{endpoint['endpointId']}/rotate-secret",
                json={"gracePeriodSeconds": 3600})
            assert_documented(rotated, "RotatedEndpoint")
            new = rotated["secret"]
            assert new != old and rotated["previousSecretExpiresOn"]
            listed = await api.call("GET", "/fax/webhook/endpoints")
            assert "secret" not in listed["endpoints"][0]

            receiver.secrets = [old]  # a receiver not yet updated still verifies
            await api.send_fax()
            await wait_for(lambda: len(receiver.accepted) == 1, 10, "first event")
            body, header = receiver.wire[-1]
            assert header.count("v1=") == 2
            signing.verify(body, header, [new])

            # Grace 0: the old secret stops signing at once.
            await api.call("POST", f"/fax/webhook/endpoints/{endpoint['endpointId']}/rotate-secret",
                           json={"gracePeriodSeconds": 0})
            receiver.secrets = [new]  # `new` is now the previous one, expired
            await api.send_fax()
            await wait_for(lambda: len(receiver.rejected) >= 1, 10, "a rejected delivery")
            _, header = receiver.wire[-1]
            assert header.count("v1=") == 1
        finally:
            await receiver.stop()


async def test_rotation_refuses_unknown_endpoints_and_bad_grace(tmp_path):
    async with running_app(tmp_path) as ra:
        api, other = await ra.tenant("clinic"), await ra.tenant("other")
        endpoint = await api.create_endpoint("http://127.0.0.1:9/hook")
        path = f"/fax/webhook/endpoints/{endpoint['endpointId']}/rotate-secret"
        await other.call("POST", path, expect=404)
        await api.call("POST", "/fax/webhook/endpoints/nope/rotate-secret", expect=404)
        for grace in (-1, "1h", 10**9, True):
            await api.call("POST", path, expect=400, json={"gracePeriodSeconds": grace})
        await api.call("POST", path, expect=400, json={"grace": 5})
        rotated = await api.call("POST", path)  # no body: the configured default grace
        assert rotated["secret"].startswith("whsec_")


async def test_endpoint_urls_the_policy_refuses_are_refused_at_creation(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with running_app(tmp_path, {"own_ports": [2222]}, port=port) as ra:
        api = await ra.tenant("clinic")
        for url in (
            f"http://127.0.0.1:{port}/fax",  # the API itself
            f"http://localhost:{port}/fax",  # the same through a name
            "http://127.0.0.1:2222/",  # a configured admin port
            "http://169.254.169.254/latest/meta-data/",  # link-local
            "http://[fe80::1]/hook",
        ):
            error = await api.call("POST", "/fax/webhook/endpoints", 400, json={"url": url})
            assert error["code"] == "url_refused", (url, error)
        assert (await api.call("GET", "/fax/webhook/endpoints"))["endpoints"] == []
        await api.create_endpoint("http://127.0.0.1:2223/hook")
