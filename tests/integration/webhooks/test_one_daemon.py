"""The daemon as a process: one webhook worker per state directory, and never a webhook
to the daemon's own API port, even when that port was picked at start (listen on port 0)."""

import asyncio
import subprocess
import time

import aiohttp
import pytest

from faxgw.store import Store
from faxgw.webhooks.settings import WebhooksSettings
from faxgw.webhooks.worker import WebhookWorker
from faxgw.webhooks.worker_lock import WorkerLockHeld
from tests.integration.webhooks.daemon_process import (ROOT, environment, faxgw_command, kill, start_daemon,
                                                        write_config)
from tests.integration.webhooks.harness import Api


async def make_tenant(state_dir) -> str:
    store = await Store.open(state_dir)
    try:
        _, key = await store.create_tenant("clinic")
    finally:
        await store.close()
    return key


@pytest.mark.timeout(120)
async def test_a_daemon_on_port_0_denies_its_port_to_webhooks_and_a_second_one_does_not_start(tmp_path):
    # One daemon serves both checks: each start of a daemon process costs seconds.
    config = write_config(tmp_path)  # listen = "127.0.0.1:0"
    key = await make_tenant(tmp_path / "state")
    proc, base = await start_daemon(config)
    port = int(base.rsplit(":", 1)[1])
    assert port != 0
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(base, key, http)
            await own_port_is_denied(api, base, port, tmp_path / "state")
        await second_daemon_refuses(config, proc.pid)
        async with aiohttp.ClientSession() as http, http.get(base + "/healthz") as resp:
            assert resp.status == 200  # the first daemon is unharmed
    finally:
        await kill(proc)


async def own_port_is_denied(api: Api, base: str, port: int, state_dir) -> None:
    for url in (f"{base}/fax/search", f"http://localhost:{port}/fax/search"):
        error = await api.call("POST", "/fax/webhook/endpoints", 400, json={"url": url})
        assert error["code"] == "url_refused" and f"port {port}" in error["message"], error

    # An endpoint that got past the API (written straight into the database, as a daemon
    # on another port could have accepted it): the worker refuses to connect to it too.
    store = await Store.open(state_dir)
    try:
        (tenant_id,) = [t["id"] for t in await store.tenants()]
        await store.create_endpoint(tenant_id, f"{base}/fax/search", ["FaxReceived"], None)
    finally:
        await store.close()
    fax = await api.send_fax()
    deadline = time.monotonic() + 10
    while True:
        log = await api.call("GET", f"/fax/{fax['faxId']}/events")
        deliveries = log["events"][0]["deliveries"]
        if deliveries and deliveries[0]["attempts"]:
            break
        assert time.monotonic() < deadline, log
        await asyncio.sleep(0.05)
    attempt = deliveries[0]["attempts"][0]
    assert attempt["statusCode"] is None
    # Refused, in the same words as a closed port (the reason is in the admin's log).
    assert attempt["error"] == "could not connect", attempt


async def second_daemon_refuses(config, first_pid: int) -> None:
    second = await asyncio.to_thread(
        subprocess.run, faxgw_command("serve", "--config", str(config)), cwd=ROOT, env=environment(),
        capture_output=True, timeout=60)
    assert second.returncode == 75, second
    assert b"faxgw listening" not in second.stdout
    message = second.stderr.decode()
    assert f"pid {first_pid}" in message and "already delivering the webhooks" in message, message
    assert "Traceback" not in message


async def test_a_second_worker_on_one_database_cannot_start_until_the_first_stops(tmp_path):
    store = await Store.open(tmp_path)
    first, second = WebhookWorker(store, WebhooksSettings()), WebhookWorker(store, WebhooksSettings())
    try:
        await first.start()
        with pytest.raises(WorkerLockHeld, match="already delivering"):
            await second.start()
        await first.stop()
        await second.start()  # the lock went with the first worker
        await second.stop()
    finally:
        await store.close()
