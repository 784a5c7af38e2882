"""Webhook delivery benchmark: events/s to 4 endpoints, and status-change-to-delivery delay.

    python3 tests/benchmarks/bench_webhooks.py [--events 2000] [--rate 200] [--seconds 10]

The daemon side is the real thing: a Store on a SQLite file in a temporary directory and
the WebhookWorker, wired as the app wires it (commit listener). The 4 receivers run in a
child process (so their CPU is not the worker's event loop), each verifying every
signature with faxgw.webhooks.signing.verify.

1. throughput: --events status changes are written to the outbox while the worker is
   stopped; then the worker starts and the time until every event reached all 4 endpoints
   is measured (events/s and deliveries/s).
2. delay: with the worker running, status changes are made at --rate per second for
   --seconds; for every delivery, receiver arrival time minus the event's time (the
   commit of the status change) gives p50 / p99 / max.

Targets: 500 events/s, p99 under 200 ms. A script, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from faxgw.store import Store  # noqa: E402
from faxgw.store.rows import NewFax  # noqa: E402
from faxgw.webhooks import signing  # noqa: E402
from faxgw.webhooks.settings import parse_settings  # noqa: E402
from faxgw.webhooks.worker import WebhookWorker  # noqa: E402

ENDPOINTS = 4
TARGET_EVENTS_PER_S = 500
TARGET_P99_MS = 200.0


# -- receivers (child process) -------------------------------------------------------------

def receiver_process(conn, secrets: list[str]) -> None:
    asyncio.run(_receivers(conn, secrets))


async def _receivers(conn, secrets: list[str]) -> None:
    delays: list[float] = []
    seen: set[tuple[int, str]] = set()
    bad = 0

    def handler(index: int):
        async def handle(request: web.Request) -> web.Response:
            nonlocal bad
            body = await request.read()
            try:
                signing.verify(body, request.headers[signing.HEADER], [secrets[index]])
            except (signing.SignatureError, KeyError):
                bad += 1
                return web.Response(status=400)
            envelope = json.loads(body)
            if (index, envelope["id"]) not in seen:
                seen.add((index, envelope["id"]))
                event_time = datetime.fromisoformat(envelope["time"].replace("Z", "+00:00")).timestamp()
                delays.append(time.time() - event_time)
            return web.Response(status=204)
        return handle

    async def stats(_request):
        return web.json_response({"deliveries": len(seen), "bad": bad})

    async def take_delays(_request):
        taken = list(delays)
        delays.clear()
        return web.json_response(taken)

    runners, ports = [], []
    for index in range(ENDPOINTS):
        app = web.Application()
        app.router.add_post("/hook", handler(index))
        app.router.add_get("/stats", stats)
        app.router.add_post("/delays", take_delays)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        ports.append(runner.addresses[0][1])
    conn.send(ports)
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # until told to stop
    for runner in runners:
        await runner.cleanup()


# -- the daemon side -----------------------------------------------------------------------

async def make_faxes(store: Store, tenant_id: str, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        fax_id = str(uuid.uuid4())
        await store.submit(NewFax(fax_id=fax_id, tenant_id=tenant_id, phone_number="+15550100", documents=[]))
        ids.append(fax_id)
    return ids


async def change(store: Store, tenant_id: str, fax_id: str, held: bool) -> None:
    if held:
        await store.revive(tenant_id, fax_id)
    else:
        await store.hold(tenant_id, fax_id)


async def throughput(store, tenant_id, settings, http, base, events: int) -> dict:
    faxes = await make_faxes(store, tenant_id, events // 5)  # 1 event each
    held = dict.fromkeys(faxes, False)
    remaining = events - len(faxes)
    i = 0
    while remaining > 0:
        fax_id = faxes[i % len(faxes)]
        await change(store, tenant_id, fax_id, held[fax_id])
        held[fax_id] = not held[fax_id]
        remaining -= 1
        i += 1
    worker = WebhookWorker(store, settings)
    started = time.perf_counter()
    cpu_started = time.process_time()  # this process's CPU, all threads (aiosqlite's too)
    await worker.start()
    target = events * ENDPOINTS
    while (await _stats(http, base))["deliveries"] < target:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    await worker.stop()
    await http.post(base + "/delays")  # discard: these waited for the worker on purpose
    return {"events": events, "seconds": elapsed, "events_per_s": events / elapsed,
            "deliveries_per_s": target / elapsed, "cpu_us_per_delivery": cpu / target * 1e6}


async def delay(store, tenant_id, settings, http, base, rate: float, seconds: float, already: int) -> dict:
    worker = WebhookWorker(store, settings)
    await worker.start()
    store.db.commit_listeners.append(worker.commit_listener)
    faxes = await make_faxes(store, tenant_id, 50)
    held = dict.fromkeys(faxes, False)
    made = len(faxes)
    started = time.perf_counter()
    n = 0
    while time.perf_counter() - started < seconds:
        fax_id = faxes[n % len(faxes)]
        await change(store, tenant_id, fax_id, held[fax_id])
        held[fax_id] = not held[fax_id]
        made += 1
        n += 1
        pause = started + n / rate - time.perf_counter()
        if pause > 0:
            await asyncio.sleep(pause)
    achieved = n / (time.perf_counter() - started)
    target = (already + made) * ENDPOINTS
    deadline = time.monotonic() + 60
    while (await _stats(http, base))["deliveries"] < target and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    store.db.commit_listeners.remove(worker.commit_listener)
    await worker.stop()
    async with http.post(base + "/delays") as resp:
        delays_ms = sorted(d * 1000 for d in await resp.json())
    return {"rate_asked": rate, "rate_made": achieved, "deliveries": len(delays_ms),
            "p50_ms": statistics.median(delays_ms),
            "p99_ms": delays_ms[int(len(delays_ms) * 0.99) - 1], "max_ms": delays_ms[-1]}


async def _stats(http, base) -> dict:
    async with http.get(base + "/stats") as resp:
        return await resp.json()


async def main(args) -> None:
    import aiohttp

    # One tenant: its share of the slots is all of them (nothing to leave to other tenants).
    settings = parse_settings({"concurrency": args.concurrency, "per_endpoint_concurrency": args.per_endpoint,
                               "per_tenant_concurrency": args.per_tenant or args.concurrency})
    with tempfile.TemporaryDirectory() as state:
        store = await Store.open(state)
        tenant_id, _ = await store.create_tenant("bench")
        secrets = []
        parent, child = multiprocessing.Pipe()
        # Secrets first (the receivers verify with them), URLs after the ports are known.
        endpoint_rows = []
        for _ in range(ENDPOINTS):
            row, secret = await store.create_endpoint(tenant_id, "http://127.0.0.1:9/hook", ["FaxReceived", "FaxHeld"], None)
            endpoint_rows.append(row)
            secrets.append(secret)
        proc = multiprocessing.Process(target=receiver_process, args=(child, secrets), daemon=True)
        proc.start()
        ports = parent.recv()
        async with store.db.write() as conn:
            for row, port in zip(endpoint_rows, ports):
                await conn.execute("UPDATE webhook_endpoints SET url = ? WHERE id = ?",
                                   (f"http://127.0.0.1:{port}/hook", row["id"]))
        base = f"http://127.0.0.1:{ports[0]}"
        async with aiohttp.ClientSession() as http:
            t = await throughput(store, tenant_id, settings, http, base, args.events)
            d = await delay(store, tenant_id, settings, http, base, args.rate, args.seconds, args.events)
            bad = (await _stats(http, base))["bad"]
        attempts = await store.db.fetchall(
            "SELECT COALESCE(error, 'HTTP ' || status_code), COUNT(*) FROM webhook_attempts GROUP BY 1")
        parent.send("stop")
        proc.join(10)
        await store.close()
    print(f"throughput: {t['events']} events to {ENDPOINTS} endpoints in {t['seconds']:.2f} s = "
          f"{t['events_per_s']:.0f} events/s ({t['deliveries_per_s']:.0f} deliveries/s); "
          f"daemon-side CPU {t['cpu_us_per_delivery']:.0f} us per delivery")
    print(f"delay at {d['rate_made']:.0f} status changes/s (asked {d['rate_asked']:.0f}), "
          f"{d['deliveries']} deliveries: p50 {d['p50_ms']:.1f} ms, p99 {d['p99_ms']:.1f} ms, "
          f"max {d['max_ms']:.1f} ms")
    print(f"signature failures at the receivers: {bad}; attempts by outcome: "
          + ", ".join(f"{outcome} x{n}" for outcome, n in attempts))
    print(f"targets: 500 events/s; p99 < 200 ms. Ratios: throughput {t['events_per_s'] / TARGET_EVENTS_PER_S:.2f} "
          f"of target; p99 {d['p99_ms'] / TARGET_P99_MS:.2f} of bound")
    print("machine load (1/5/15 min): " + " ".join(f"{x:.2f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} CPUs, shared with other work")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200.0, help="status changes per second in the delay phase")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--per-endpoint", type=int, default=8)
    parser.add_argument("--per-tenant", type=int, default=0, help="default: --concurrency")
    asyncio.run(main(parser.parse_args()))
