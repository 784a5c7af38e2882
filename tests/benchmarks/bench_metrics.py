"""Benchmark of a GET /metrics scrape on a big store (a script, not a test: it asserts nothing).

    python3 tests/benchmarks/bench_metrics.py [--faxes 1000000] [--scrapes 50] [--workdir DIR]

Seeds a store with --faxes faxes (bulk SQL; a third of them archived), starts the real daemon
(`python -m faxgw serve`, API only) on it and prints, in the same run:
  1. a /metrics scrape, p50 / p99 / max over --scrapes scrapes (HTTP included);
  2. the anchor: the full count of faxes by status that the scrape used to run
     (`SELECT status, COUNT(*) FROM faxes WHERE archived_ms IS NULL GROUP BY status`),
     p50 over 5 runs on the same file, and the ratio;
  3. what the counts cost the writers: CPU time of bulk inserts of 100,000 faxes with the
     triggers of migration 0005 and without them, and the ratio;
and checks that the scraped faxgw_faxes equal the full count.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
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

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from faxgw.store import Store  # noqa: E402

ADMIN_KEY = "fgwadm_bench"
FULL_COUNT = "SELECT status, COUNT(*) FROM faxes WHERE archived_ms IS NULL GROUP BY status"
STATUSES = ["FaxSent"] * 14 + ["FaxFailed", "FaxCancelled", "FaxReceived", "FaxRetryAttempted",
                               "FaxHeld"]
TRIGGERS = ("fax_status_counts_insert", "fax_status_counts_update", "fax_status_counts_delete")


async def new_store(state: Path) -> str:
    store = await Store.open(state)
    try:
        return (await store.create_tenant("bench"))[0]
    finally:
        await store.close()


def rows(tenant: str, count: int, now_ms: int):
    for i in range(count):
        status = STATUSES[i % len(STATUSES)]
        created = now_ms - (count - i) * 1000
        # A third of the terminal faxes are archived: the gauge must leave them out.
        archived = created + 60_000 if status in ("FaxSent", "FaxFailed") and i % 3 == 0 else None
        yield (str(uuid.UUID(int=random.getrandbits(128), version=4)), tenant, status,
               f"+1555{i % 10_000_000:07d}", "{}", "fine", 1, 5, created, created + 60_000,
               archived)


INSERT = ("INSERT INTO faxes (id, tenant_id, status, phone_number, metadata, resolution,"
          " document_count, auto_retries_left, created_ms, updated_ms, archived_ms)"
          " VALUES (?,?,?,?,?,?,?,?,?,?,?)")


def seed(db_path: Path, tenant: str, count: int) -> float:
    """CPU seconds of the insert (SQLite runs in this thread): other work on a shared
    machine inflates wall-clock time far more than it inflates CPU time."""
    db = sqlite3.connect(db_path)
    batch = list(rows(tenant, count, int(time.time() * 1000)))
    started = time.thread_time()
    with db:
        db.executemany(INSERT, batch)
    seconds = time.thread_time() - started
    db.execute("ANALYZE")
    db.close()
    return seconds


def full_count(db_path: Path) -> tuple[dict[str, int], float]:
    db = sqlite3.connect(db_path)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        counts = dict(db.execute(FULL_COUNT).fetchall())
        times.append(time.perf_counter() - started)
    db.close()
    return counts, statistics.median(times)


async def write_cost(workdir: Path, count: int) -> tuple[float, float]:
    """CPU seconds to bulk-insert `count` faxes with the counting triggers, and without
    (each measured twice, alternating; the faster run of each counts)."""
    out = {True: [], False: []}
    for with_triggers in (True, False, True, False):
        state = workdir / f"write-{with_triggers}"
        tenant = await new_store(state)
        db_path = state / "faxgw.sqlite3"
        if not with_triggers:
            with sqlite3.connect(db_path) as db:
                for name in TRIGGERS:
                    db.execute(f"DROP TRIGGER {name}")
        out[with_triggers].append(seed(db_path, tenant, count))
        shutil.rmtree(state)
    return min(out[True]), min(out[False])


def start_daemon(workdir: Path) -> tuple[subprocess.Popen, str]:
    config = workdir / "bench.toml"
    digest = hashlib.sha256(ADMIN_KEY.encode()).hexdigest()
    config.write_text(f'[server]\nlisten = "127.0.0.1:0"\nadmin_key_sha256 = "{digest}"\n'
                      f'[storage]\nstate_dir = "{workdir / "state"}"\n'
                      "[scheduler]\nenabled = false\n"
                      # The seeded faxes are old: keep the archive task out of the numbers.
                      "[archive]\narchive_after_days = 3650\npurge_files_after_days = 3650\n")
    proc = subprocess.Popen([sys.executable, "-m", "faxgw", "serve", "--config", str(config)],
                            stdout=subprocess.PIPE, cwd=ROOT)
    line = proc.stdout.readline().decode()
    return proc, line.split("listening on ", 1)[1].strip()


async def scrape(url: str, times: int) -> tuple[list[float], str]:
    import aiohttp

    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    seconds, text = [], ""
    async with aiohttp.ClientSession() as http:
        for _ in range(times):
            started = time.perf_counter()
            async with http.get(url + "/metrics", headers=headers) as r:
                text = await r.text()
                assert r.status == 200, text
            seconds.append(time.perf_counter() - started)
    return seconds, text


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--faxes", type=int, default=1_000_000)
    parser.add_argument("--scrapes", type=int, default=50)
    parser.add_argument("--write-rows", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="faxgw-bench-metrics-"))
    try:
        tenant = await new_store(workdir / "state")
        db_path = workdir / "state" / "faxgw.sqlite3"
        print(f"seeding {args.faxes:,} faxes ...", flush=True)
        seed_s = seed(db_path, tenant, args.faxes)
        print(f"  seeded in {seed_s:.1f} s of CPU (the counting triggers included)")
        expected, anchor_s = full_count(db_path)
        proc, url = start_daemon(workdir)
        try:
            await scrape(url, 3)  # warm: imports, connections, page cache
            seconds, text = await scrape(url, args.scrapes)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
        families = {f.name: f for f in text_string_to_metric_families(text)}
        scraped = {s.labels["status"]: int(s.value) for s in families["faxgw_faxes"].samples
                   if s.value}
        seconds.sort()
        p50, p99 = statistics.median(seconds), seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))]
        print(f"GET /metrics on {args.faxes:,} faxes ({sum(expected.values()):,} not archived), "
              f"{args.scrapes} scrapes: p50 {ms(p50)}, p99 {ms(p99)}, max {ms(seconds[-1])}")
        print(f"anchor, the full count by status it used to run: p50 {ms(anchor_s)} "
              f"(the SQL alone); ratio anchor / scrape p50: {anchor_s / p50:.0f}x")
        print(f"scraped faxgw_faxes equal the full count: {scraped == expected}")
        with_t, without_t = await write_cost(workdir, args.write_rows)
        print(f"writers: {args.write_rows:,} bulk inserts with the triggers {with_t:.2f} s of CPU, "
              f"without {without_t:.2f} s, ratio {with_t / without_t:.2f} "
              f"({(with_t - without_t) / args.write_rows * 1e6:.1f} us more per fax)")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
