"""Benchmark of the REST API and the store (a script, not a test: it asserts nothing).

    python3 tests/benchmarks/bench_api.py [--workdir DIR] [--submissions 1000] [--gets 10000]

Prints, against the real daemon (``python -m faxgw serve``) on a loopback port:
  1. submissions per second of a one-page PDF, on a store already holding 100,000 faxes,
     from 1, 16 and 50 concurrent clients (LAN clients submit concurrently; one client alone
     measures the latency of one submission's chain of fsyncs, not the daemon's rate);
  2. GET /fax/{faxId} latency p50/p99 with 50 concurrent clients: back to back (saturation,
     where latency is 50 / throughput by Little's law) and paced as polling clients are, from
     a lean HTTP client so that the client's own CPU is not what is measured, next to a bare
     aiohttp app measured the same way;
  3. the time of a one-day faxSentDate search on a store of 1,000,000 faxes
     (first page, and paging through the whole day).
Targets on the 2-core reference box: >= 200 submissions/s, GET p99 < 10 ms, search < 100 ms.
The client runs on the same cores as the daemon, so latencies include its own overhead.
The big stores are seeded with bulk SQL inserts (not through the API) to save time.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from faxgw.store import Store  # noqa: E402

DAY_MS = 86_400_000


def one_page_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "faxgw benchmark: one page")
    c.showPage()
    c.save()
    return buf.getvalue()


async def make_tenant(state: Path) -> tuple[str, str]:
    store = await Store.open(state)
    try:
        return await store.create_tenant("bench")
    finally:
        await store.close()


def seed(db_path: Path, tenant_id: str, count: int, start_ms: int, span_ms: int, history: bool) -> list[str]:
    """Bulk-insert `count` faxes created evenly over [start_ms, start_ms + span_ms)."""
    statuses = ["FaxSent"] * 8 + ["FaxFailed", "FaxCancelled"]
    ids, rows, hist = [], [], []
    for i in range(count):
        fid = str(uuid.UUID(int=random.getrandbits(128), version=4))
        created = start_ms + (i * span_ms) // count
        status = statuses[i % len(statuses)]
        rows.append((fid, tenant_id, status, f"+1555{i % 10_000_000:07d}", "{}", "fine", 1,
                     5, created, created + 60_000))
        if history:
            hist.append((fid, "FaxReceived", created))
            hist.append((fid, status, created + 60_000))
        ids.append(fid)
    db = sqlite3.connect(db_path)
    with db:
        db.executemany(
            "INSERT INTO faxes (id, tenant_id, status, phone_number, metadata, resolution, document_count,"
            " auto_retries_left, created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        db.executemany("INSERT INTO fax_history (fax_id, status, at_ms) VALUES (?,?,?)", hist)
    db.execute("ANALYZE")
    db.close()
    return ids


class Daemon:
    def __init__(self, workdir: Path):
        self.config = workdir / "bench.toml"
        self.config.write_text(f'[server]\nlisten = "127.0.0.1:0"\n[storage]\nstate_dir = "{workdir / "state"}"\n'
                               "[limits]\nsearch_page_size_max = 1000\n"
                               # The API alone: no modem bank dialling the submitted faxes.
                               "[scheduler]\nenabled = false\n"
                               # The seeded faxes are old and terminal: keep them out of the archive.
                               "[archive]\narchive_after_days = 3650\npurge_files_after_days = 3650\n")

    def __enter__(self) -> str:
        self.proc = subprocess.Popen([sys.executable, "-m", "faxgw", "serve", "--config", str(self.config)],
                                     stdout=subprocess.PIPE, cwd=ROOT)
        line = self.proc.stdout.readline().decode()
        return line.split("listening on ", 1)[1].strip()

    def cpu_s(self) -> float:
        """CPU seconds the daemon has used (all threads): a measure the other load on a shared
        machine does not inflate the way it inflates wall-clock rates."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


ANCHOR_SERVER = """
import sys
from aiohttp import web
async def hello(request):
    return web.json_response({"faxId": request.match_info["id"], "faxStatus": "FaxSent"})
app = web.Application()
app.router.add_get("/fax/{id}", hello)
async def main():
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print("listening on http://127.0.0.1:%d" % site._server.sockets[0].getsockname()[1], flush=True)
    import asyncio
    await asyncio.Event().wait()
import asyncio
asyncio.run(main())
"""


class AnchorServer(Daemon):
    """A bare aiohttp app answering a constant JSON: what the machine gives any aiohttp server now."""

    def __init__(self):
        pass

    def __enter__(self) -> str:
        self.proc = subprocess.Popen([sys.executable, "-c", ANCHOR_SERVER], stdout=subprocess.PIPE)
        return self.proc.stdout.readline().decode().split("listening on ", 1)[1].strip()


def fsync_anchor(folder: Path, n: int = 100) -> float:
    """Writes + fsyncs per second of a small file on the state dir's disk."""
    t0 = time.perf_counter()
    for i in range(n):
        with open(folder / f"anchor{i}", "wb") as fh:
            fh.write(b"x" * 1400)
            fh.flush()
            os.fsync(fh.fileno())
    rate = n / (time.perf_counter() - t0)
    for i in range(n):
        (folder / f"anchor{i}").unlink()
    return rate


class _LeanHttp(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection that GETs one path at a time: a load generator far
    cheaper than aiohttp's client, so that on two shared cores the client's own CPU and event
    loop do not become the latency being measured. A response ends when its Content-Length
    bytes are in (aiohttp's json_response always sends one); the clock stops right there,
    in data_received, not when the waiting coroutine gets its turn."""

    def __init__(self, auth: bytes):
        self.auth = auth
        self.buf = bytearray()
        self.waiter: asyncio.Future | None = None
        self.done_at = 0.0

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None:
            return
        head = bytes(self.buf[:end]).lower()
        at = head.find(b"content-length:")
        total = end + 4 + int(head[at + 15:head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None])
        if len(self.buf) >= total:
            self.done_at = time.perf_counter()
            status = int(self.buf[9:12])
            del self.buf[:total]
            waiter, self.waiter = self.waiter, None
            waiter.set_result(status)

    def connection_lost(self, exc) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("closed"))

    async def get(self, path: str) -> tuple[int, float]:
        """(status, milliseconds from the request written to the answer's last byte in)."""
        self.waiter = asyncio.get_running_loop().create_future()
        t0 = time.perf_counter()
        self.transport.write(b"GET %s HTTP/1.1\r\nHost: bench\r\n%s\r\n\r\n" % (path.encode(), self.auth))
        status = await self.waiter
        return status, (self.done_at - t0) * 1000


async def bench_gets_lean(url: str, key: str, ids: list[str], clients: int, seconds: float,
                          rate: float | None = None) -> list[float]:
    """`clients` connections, each a client that GETs a random fax, waits for the answer, and
    (with `rate`: rate/clients per second each, as polling LAN clients do) waits for its next
    turn; without `rate` they send back to back (saturation: latency = clients / throughput)."""
    host, port = url.split("//", 1)[1].split(":")
    loop = asyncio.get_running_loop()
    auth = f"Authorization: Bearer {key}".encode()
    conns = [(await loop.create_connection(lambda: _LeanHttp(auth), host, int(port)))[1] for _ in range(clients)]
    latencies: list[float] = []

    async def client(conn: _LeanHttp) -> None:
        for _ in range(20):  # warm-up, not counted
            await conn.get(f"/fax/{random.choice(ids)}")
        interval = clients / rate if rate else 0.0
        start = time.perf_counter()
        due, end = start + random.random() * interval, start + seconds
        while (now := time.perf_counter()) < end:
            if due > now:
                await asyncio.sleep(due - now)
            status, ms = await conn.get(f"/fax/{random.choice(ids)}")
            assert status == 200, status
            latencies.append(ms)
            due += interval

    await asyncio.gather(*(client(c) for c in conns))
    for conn in conns:
        conn.transport.close()
    return latencies


def _load() -> str:
    """The machine's load average: on a shared box, other work explains a bad run."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _print_gets(rate: float | None, lat: list[float], seconds: float, extra: str, indent: str = "  ") -> None:
    mode = "back to back (saturation)" if rate is None else f"paced, {rate:.0f} req/s in total"
    target = "   [target p99 < 10 ms]" if indent == "  " else ""
    print(f"{indent}{mode}: {len(lat) / seconds:.0f} GET/s, p50 {pct(lat, 50):.2f} ms, p99 {pct(lat, 99):.2f} ms, "
          f"max {max(lat):.2f} ms{target}  {extra}")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def bench_submissions(url: str, key: str, pdf: bytes, total: int, concurrency: int) -> float:
    auth = {"Authorization": f"Bearer {key}"}
    todo = iter(range(total))

    async def worker(http: aiohttp.ClientSession) -> None:
        for i in todo:
            form = aiohttp.FormData()
            form.add_field("phoneNumber", f"+4930{i:07d}")
            form.add_field("document", pdf, filename="one.pdf", content_type="application/pdf")
            async with http.post(url + "/fax", data=form, headers=auth) as r:
                assert r.status == 201, await r.text()
                await r.read()

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
        return total / (time.perf_counter() - t0)


async def bench_gets(url: str, key: str, ids: list[str], total: int, clients: int) -> list[float]:
    auth = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []

    async def client(http: aiohttp.ClientSession, n: int) -> None:
        for _ in range(n):
            fid = random.choice(ids)
            t0 = time.perf_counter()
            async with http.get(f"{url}/fax/{fid}", headers=auth) as r:
                await r.read()
                assert r.status == 200
            latencies.append((time.perf_counter() - t0) * 1000)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as http:
        for _ in range(200):  # warm-up: connections and caches
            async with http.get(f"{url}/fax/{random.choice(ids)}", headers=auth) as r:
                await r.read()
        await asyncio.gather(*(client(http, total // clients) for _ in range(clients)))
    return latencies


async def bench_search(url: str, key: str, day_start_ms: int) -> tuple[list[float], float, int]:
    auth = {"Authorization": f"Bearer {key}"}
    day = time.strftime("%Y-%m-%d", time.gmtime(day_start_ms / 1000))
    nxt = time.strftime("%Y-%m-%d", time.gmtime((day_start_ms + DAY_MS) / 1000))
    body = {"faxSentDate": day, "faxSentDateBefore": nxt}
    async with aiohttp.ClientSession() as http:
        first = []
        for _ in range(20):
            t0 = time.perf_counter()
            async with http.post(url + "/fax/search", json=body, headers=auth) as r:
                page = await r.json()
                assert r.status == 200 and len(page["faxes"]) == 100
            first.append((time.perf_counter() - t0) * 1000)
        t0, found, cursor = time.perf_counter(), 0, None
        while True:
            req = {**body, "limit": 1000, **({"cursor": cursor} if cursor else {})}
            async with http.post(url + "/fax/search", json=req, headers=auth) as r:
                page = await r.json()
            found += len(page["faxes"])
            cursor = page["nextCursor"]
            if not cursor:
                break
        return first, (time.perf_counter() - t0) * 1000, found


async def main(args: argparse.Namespace) -> None:
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="faxgw-bench-"))
    state = workdir / "state"
    db_path = state / "faxgw.sqlite3"
    tenant_id, key = await make_tenant(state)
    now = int(time.time() * 1000)
    start = now - 100 * DAY_MS
    t0 = time.perf_counter()
    ids = seed(db_path, tenant_id, 100_000, start, 100 * DAY_MS, history=True)
    print(f"seeded 100,000 faxes (with history) in {time.perf_counter() - t0:.1f} s")
    pdf = one_page_pdf()

    daemon = Daemon(workdir)
    with daemon as url:
        print(f"load average {_load()}")
        for conc in (1, 16, 50):
            cpu0 = daemon.cpu_s()
            rate = await bench_submissions(url, key, pdf, args.submissions, conc)
            cpu_ms = (daemon.cpu_s() - cpu0) * 1000 / args.submissions
            print(f"submissions of a one-page PDF ({len(pdf)} bytes), {conc:2d} concurrent clients: "
                  f"{rate:7.1f} /s   [target >= 200/s]   daemon CPU {cpu_ms:.2f} ms per submission")
        print(f"GET /fax/{{id}}, 50 clients (connections), lean HTTP/1.1 client; load average {_load()}")
        for rate in (None, 500, 1000):
            cpu0 = daemon.cpu_s()
            lat = await bench_gets_lean(url, key, ids, 50, args.get_seconds, rate)
            _print_gets(rate, lat, args.get_seconds, f"daemon CPU {(daemon.cpu_s() - cpu0) * 1000 / len(lat):.3f} ms per GET")
        cpu0 = daemon.cpu_s()
        lat = await bench_gets(url, key, ids, args.gets, 50)
        print(f"  the same with aiohttp's client, 50 back to back, {len(lat)} requests: p50 {pct(lat, 50):.2f} ms, "
              f"p99 {pct(lat, 99):.2f} ms ({len(lat) / (sum(lat) / 1000 / 50):.0f} GET/s; the client's own "
              "CPU and loop are in these latencies)")
    anchor = AnchorServer()
    with anchor as anchor_url:
        print("  anchor, a bare aiohttp app answering constant JSON, the same clients:")
        for rate in (None, 500, 1000):
            cpu0 = anchor.cpu_s()
            lat = await bench_gets_lean(anchor_url, key, ids, 50, args.get_seconds, rate)
            _print_gets(rate, lat, args.get_seconds,
                        f"its CPU {(anchor.cpu_s() - cpu0) * 1000 / len(lat):.3f} ms per GET", indent="    ")
    print(f"  anchor: {fsync_anchor(state):.0f} small-file write+fsync per second on the state dir's disk")

    if args.skip_search:
        return
    t0 = time.perf_counter()
    seed(db_path, tenant_id, 900_000, start, 100 * DAY_MS, history=False)
    with sqlite3.connect(db_path) as db:
        (n,) = db.execute("SELECT COUNT(*) FROM faxes").fetchone()
    print(f"seeded to {n:,} faxes in {time.perf_counter() - t0:.1f} s")
    with Daemon(workdir) as url:
        day_start = (now // DAY_MS - 3) * DAY_MS
        first, whole, found = await bench_search(url, key, day_start)
        print(f"one-day faxSentDate search on {n:,} faxes: first page of 100: median "
              f"{statistics.median(first):.1f} ms, max {max(first):.1f} ms   [target < 100 ms]")
        print(f"  paging through the whole day ({found:,} faxes, pages of 1000): {whole:.0f} ms")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", help="keep the stores here (default: a temporary directory, removed)")
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--gets", type=int, default=10_000, help="GETs of the aiohttp-client run")
    parser.add_argument("--get-seconds", type=float, default=5.0, help="length of each lean-client GET run")
    parser.add_argument("--skip-search", action="store_true", help="skip the 1,000,000-fax search part")
    asyncio.run(main(parser.parse_args()))
