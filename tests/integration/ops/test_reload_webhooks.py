"""SIGHUP reloads the webhooks policy of the real daemon: the networks a webhook may reach
(at endpoint creation and at every delivery), while a call in progress goes on undisturbed;
and SIGTERM whose stop grace runs out mid-call ends the call with DCN (same daemon)."""

from __future__ import annotations

import asyncio
import inspect
import json
import shutil
import signal
import socket
import tempfile
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from hwsim import ModemBank

from faxgw.store import Store

from .test_daemon_ops import new_tenant_key, start, stop, wait_message, write_config
from .test_reload import modem_table
from .test_stop import pdf

DEFAULT_DENY = ["0.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "::/128",
                "fe80::/10", "ff00::/8"]


def webhooks_table(deny_loopback: bool) -> str:
    # The box itself (loopback included) is refused unless the admin opens its ports.
    opened = [] if deny_loopback else ["1-65535"]
    return f"[webhooks]\ndeny_networks = {json.dumps(DEFAULT_DENY)}\nallow_own_ports = {json.dumps(opened)}\n"


async def receiver() -> tuple[web.AppRunner, str, list[str]]:
    """A webhook receiver on loopback that records the type of every event it gets."""
    seen: list[str] = []

    async def hook(request: web.Request) -> web.Response:
        seen.append(json.loads(await request.read())["type"].rsplit(".", 1)[1])
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/hook", seen


async def until(predicate, pause_s: float = 0.05):
    """Poll a predicate (plain or async) until it returns something true (bounded by the
    test's timeout)."""
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        await asyncio.sleep(pause_s)


@pytest.mark.timeout(180)
async def test_sighup_reloads_the_webhooks_policy_mid_call_and_sigterm_past_the_grace_sends_dcn(
        tmp_path):
    """One daemon (a start costs seconds) for two checks, in order:
    1. SIGHUP reloads the webhooks policy: loopback refused, allowed, refused again in the
       middle of a call, which goes on to FaxSent;
    2. SIGTERM with [scheduler] stop_grace_s = 0.5 during the next call: the grace runs
       out, the call is ended the T.30 way (DCN, then our hang-up), the attempt is recorded
       as interrupted and its confirmed pages are kept for the next attempt."""
    short = Path(tempfile.mkdtemp(prefix="fgw", dir="/tmp"))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(short / "notify"))
    sock.settimeout(90)  # a bound against a hang
    seen_msgs: list[dict] = []
    bank = ModemBank(timing="accelerated").start()
    out1, in1 = bank.add_modem("3601", name="out1"), bank.add_modem("5000", name="in1")
    config = write_config(tmp_path, modem_table(in1, send=False) + modem_table(out1, send=True)
                          + webhooks_table(deny_loopback=True))
    config.write_text(config.read_text().replace("[scheduler]\n", "[scheduler]\nstop_grace_s = 0.5\n"))
    base = config.read_text()
    key = await new_tenant_key(config)
    runner, hook_url, received = await receiver()
    proc, url = start(config, {"NOTIFY_SOCKET": str(short / "notify")})
    auth = {"Authorization": f"Bearer {key}"}

    async def reload(deny_loopback: bool) -> None:
        config.write_text(base.replace(webhooks_table(True), webhooks_table(deny_loopback)))
        proc.send_signal(signal.SIGHUP)
        # In a thread: the receiver runs on this loop and must answer meanwhile.
        await asyncio.to_thread(wait_message, sock, "RELOADING", seen_msgs)
        await asyncio.to_thread(wait_message, sock, "READY", seen_msgs)

    try:
        await asyncio.to_thread(wait_message, sock, "READY", seen_msgs)
        async with aiohttp.ClientSession() as http:
            async def send(pages: int) -> str:
                form = aiohttp.FormData(default_to_multipart=True)
                form.add_field("phoneNumber", "5000")
                form.add_field("document", pdf(pages), filename="a.pdf",
                               content_type="application/pdf")
                async with http.post(url + "/fax", data=form, headers=auth) as r:
                    assert r.status == 201, await r.text()
                    return (await r.json())["faxId"]

            async def first_page_confirmed(fax_id: str) -> bool:
                async with http.get(f"{url}/fax/{fax_id}/attempts", headers=auth) as r:
                    attempts = (await r.json())["attempts"]
                return attempts and attempts[0]["inProgress"] and attempts[0]["pagesConfirmed"] >= 1

            # --- 1. the webhooks policy --------------------------------------------------
            endpoint = {"url": hook_url, "events": ["FaxReceived", "FaxAttemptInitiated",
                                                    "FaxSent"]}
            async with http.post(url + "/fax/webhook/endpoints", json=endpoint, headers=auth) as r:
                body = await r.json()
                assert r.status == 400 and body["code"] == "url_refused", body

            await reload(deny_loopback=False)  # loopback allowed from now on
            async with http.post(url + "/fax/webhook/endpoints", json=endpoint, headers=auth) as r:
                assert r.status == 201, await r.text()

            fax_id = await send(3)
            await until(lambda: first_page_confirmed(fax_id))
            await until(lambda: received == ["FaxReceived", "FaxAttemptInitiated"])

            await reload(deny_loopback=True)  # in the middle of the call

            async def final_status():
                async with http.get(f"{url}/fax/{fax_id}", headers=auth) as r:
                    status = (await r.json())["faxStatus"]
                return status if status in ("FaxSent", "FaxFailed", "FaxRetryAttempted") else None
            assert await until(final_status) == "FaxSent"  # the call went on to its end
            await asyncio.to_thread(bank.wait_for_call, "5000", 30)  # its record, out of the way

            async def sent_event_refused():
                async with http.get(f"{url}/fax/{fax_id}/events", headers=auth) as r:
                    events = (await r.json())["events"]
                sent = [e for e in events if e["event"]["type"].endswith(".FaxSent")]
                attempts = sent[0]["deliveries"][0]["attempts"] if sent and sent[0]["deliveries"] else []
                return attempts[0] if attempts else None
            attempt = await until(sent_event_refused, 0.2)
            # The worker's new policy refused the connection: FaxSent never reached us.
            assert not attempt["delivered"] and attempt["error"] == "could not connect", attempt
            assert received == ["FaxReceived", "FaxAttemptInitiated"]

            # --- 2. SIGTERM, and the grace runs out mid-call -----------------------------
            stopped_id = await send(6)
            await until(lambda: first_page_confirmed(stopped_id))
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 120) == 0
        call = await asyncio.to_thread(bank.wait_for_call, "5000", 30)
    finally:
        if proc.poll() is None:
            stop(proc)
        await runner.cleanup()
        await asyncio.to_thread(bank.close)
        sock.close()
        shutil.rmtree(short)
    log = (tmp_path / "daemon.stderr").read_text()
    assert log.count("webhooks policy reloaded") == 2, log[-3000:]
    # The second reload came while the first fax's call was still running.
    assert log.rindex("webhooks policy reloaded") < log.index(f"attempt 1 of fax {fax_id} ended"), \
        log[-3000:]
    assert "call(s) still running after" in log, log[-3000:]  # the grace did run out
    # On the line: our last frame is DCN (FCF 0xFA, or 0xFB with the X bit), then we hung up.
    ours = [bytes.fromhex(f["hex"]) for f in call["frames"] if f["from"] == "3601"]
    assert ours[-1][2] & 0xFE == 0xFA, call["frames"][-4:]
    assert call["hangup_by"] == "3601", call
    store = await Store.open(tmp_path / "state")
    try:
        fax = await store.fax_row(stopped_id)
        [attempt] = await store.attempts(stopped_id)
        confirmed = await store.pages_confirmed(stopped_id)
    finally:
        await store.close()
    assert attempt["outcome"] == "interrupted" and attempt["ended_ms"] is not None
    assert fax["status"] == "FaxRetryAttempted", dict(fax)  # back in the queue for the rest
    assert 1 <= len(confirmed) < 6 and attempt["pages_confirmed"] == len(confirmed)


async def test_a_delivery_in_flight_at_the_reload_finishes_under_the_old_policy(tmp_path):
    """WebhookWorker.reconfigure (what the reload calls) on a real store: the POST already
    on its way when the new policy arrives is answered and recorded as delivered, not
    cancelled; the next event is refused by the new policy."""
    from faxgw.store import Document, NewFax
    from faxgw.webhooks.settings import parse_settings
    from faxgw.webhooks.worker import WebhookWorker

    release = asyncio.Event()
    arrived: list[str] = []

    async def slow_hook(request: web.Request) -> web.Response:
        arrived.append(json.loads(await request.read())["type"].rsplit(".", 1)[1])
        await release.wait()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", slow_hook)
    hook_runner = web.AppRunner(app, access_log=None)
    await hook_runner.setup()
    site = web.TCPSite(hook_runner, "127.0.0.1", 0)
    await site.start()
    hook = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook"
    # The hook runs on this box: the admin opened its ports (the default refuses them).
    fast = {"backoff_base_s": 0.05, "backoff_max_step_s": 0.3, "outbox_poll_s": 0.1,
            "allow_own_ports": ["1-65535"]}
    store = await Store.open(tmp_path)
    worker = WebhookWorker(store, parse_settings(fast))
    await worker.start()
    store.db.commit_listeners.append(worker.commit_listener)
    try:
        tenant, _ = await store.create_tenant("clinic")
        await store.create_endpoint(tenant, hook, ["FaxReceived", "FaxHeld"], None)
        fax_id = "00000000-0000-4000-8000-000000000001"
        doc = Document(1, "pdf", "a.pdf", 10, "0" * 64, f"faxes/{fax_id}/1.pdf")
        await store.submit(NewFax(fax_id, tenant, "+15550100", [doc]))
        await until(lambda: arrived == ["FaxReceived"])  # on its way, not answered yet

        worker.reconfigure(parse_settings({**fast, "allow_own_ports": []}))
        release.set()
        await store.hold(tenant, fax_id)

        async def attempts():
            rows = await store.db.fetchall(
                "SELECT o.event_id, a.status_code, a.error FROM webhook_attempts a "
                "JOIN outbox o ON o.id = a.event_id ORDER BY a.event_id, a.number")
            return [tuple(r) for r in rows] if len(rows) >= 2 else None
        first, second = (await until(attempts))[:2]
        assert first[1] == 204 and first[2] is None  # answered: not cancelled by the reload
        assert second[1] is None and second[2] == "could not connect", second
        assert arrived == ["FaxReceived"]
    finally:
        store.db.commit_listeners.remove(worker.commit_listener)
        await worker.stop()
        await store.close()
        await hook_runner.cleanup()
