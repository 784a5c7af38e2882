"""Webhook URLs as a way into the box (the real daemon): loopback and the box's own
addresses are refused on every port, a receiver's answer is not shown to the tenant unless
the admin allows it, and a closed port reads the same as a refused address."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from aiohttp import web

from faxgw.webhooks.box_addresses import BOX

SECRET = "the-secret-of-a-local-service"


@pytest.fixture
async def local_service():
    """A service on the box that answers a secret to whoever asks (a local admin page)."""
    async def page(request):
        return web.Response(status=500, text=SECRET)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "0.0.0.0", 0)
    await site.start()
    yield runner.addresses[0][1]
    await runner.cleanup()


def box_lan_address() -> str | None:
    for network in BOX.networks():
        address = network.network_address
        if address.version == 4 and not address.is_loopback and network.prefixlen == 32:
            return str(address)
    return None


async def test_loopback_and_the_boxs_own_addresses_are_refused_on_every_port(tenant, local_service):
    client = await tenant()
    urls = [f"http://127.0.0.1:{local_service}/", f"http://localhost:{local_service}/",
            f"http://[::1]:{local_service}/", f"http://127.1.2.3:{local_service}/"]
    lan = box_lan_address()
    if lan is not None:
        urls.append(f"http://{lan}:{local_service}/")
    for url in urls:
        status, body = await client.call("POST", "/fax/webhook/endpoints", json={"url": url})
        assert (status, body["code"]) == (400, "url_refused"), (url, body)
    assert (await client.call("GET", "/fax/webhook/endpoints"))[1]["endpoints"] == []


@pytest.fixture(scope="module")
def daemon_opening_a_port(daemon_class, tmp_path_factory):
    """A daemon whose admin opened the box's ports to webhooks (a receiver next to faxgw),
    without letting tenants see the answers (the default)."""
    d = daemon_class(tmp_path_factory.mktemp("hooks"),
                     '[webhooks]\nallow_own_ports = ["1-65535"]\nbackoff_base_s = 0.05\n'
                     'backoff_max_step_s = 0.2\nconnect_timeout_s = 1.0\n').start()
    yield d
    d.stop()


async def _first_attempt(client, fax_id: str) -> dict:
    deadline = time.monotonic() + 20
    while True:
        _, log = await client.call("GET", f"/fax/{fax_id}/events")
        deliveries = log["events"][0]["deliveries"] if log.get("events") else []
        if deliveries and deliveries[0]["attempts"]:
            return deliveries[0]["attempts"][0]
        assert time.monotonic() < deadline, log
        await asyncio.sleep(0.1)


async def test_a_delivery_shows_status_and_timing_but_not_the_answer(http, daemon_opening_a_port, local_service):
    from faxgw.store import Store
    from tests.integration.api.conftest import Client
    store = await Store.open(daemon_opening_a_port.state_dir)
    try:
        tenant_id, key = await store.create_tenant("reader")
    finally:
        await store.close()
    client = Client(http, daemon_opening_a_port.url, key, tenant_id)
    status, endpoint = await client.call("POST", "/fax/webhook/endpoints",
                                         json={"url": f"http://127.0.0.1:{local_service}/"})
    assert status == 201, endpoint
    status, fax = await client.send()
    assert status == 201, fax
    attempt = await _first_attempt(client, fax["faxId"])
    assert attempt["statusCode"] == 500 and attempt["durationMs"] >= 0
    assert attempt["responseExcerpt"] == ""
    _, log = await client.call("GET", f"/fax/{fax['faxId']}/events")
    assert SECRET not in str(log)


async def test_a_closed_port_reads_the_same_as_a_refused_address(http, daemon_opening_a_port):
    from faxgw.store import Store
    from tests.integration.api.conftest import Client
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    api_port = int(daemon_opening_a_port.url.rsplit(":", 1)[1])
    store = await Store.open(daemon_opening_a_port.state_dir)
    try:
        tenant_id, key = await store.create_tenant("scanner")
        # Past the API's check, as if written before the policy changed: the API's own port.
        await store.create_endpoint(tenant_id, f"http://127.0.0.1:{api_port}/fax/search", ["FaxReceived"], None)
    finally:
        await store.close()
    client = Client(http, daemon_opening_a_port.url, key, tenant_id)
    status, _ = await client.call("POST", "/fax/webhook/endpoints", json={"url": f"http://127.0.0.1:{closed}/"})
    assert status == 201
    status, fax = await client.send()
    assert status == 201
    deadline = time.monotonic() + 20
    while True:
        _, log = await client.call("GET", f"/fax/{fax['faxId']}/events")
        attempts = [d["attempts"][0] for d in log["events"][0]["deliveries"] if d["attempts"]]
        if len(attempts) == 2:
            break
        assert time.monotonic() < deadline, log
        await asyncio.sleep(0.1)
    assert [(a["statusCode"], a["error"]) for a in attempts] == [(None, "could not connect")] * 2
