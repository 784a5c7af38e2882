"""Slow-client load against the real daemon (a script, not a test: it asserts nothing).

    python3 tests/benchmarks/bench_slowloris.py [--slow 2000] [--seconds 30] [--addresses 20]

Loopback only and bounded: it starts ``python -m faxgw serve`` on 127.0.0.1 with a fresh
state directory (removed afterwards), opens `--slow` connections spread over `--addresses`
loopback source addresses (127.0.1.x), each trickling a request head a header line every
2 s (reopened when the daemon cuts it off), plus one address that asks for more connections
than the per-client cap. Meanwhile a normal client on 127.0.0.1 sends GET /healthz on a new
connection every 20 ms. After `--seconds` everything stops by itself.

Prints: the normal client's latency p50/p99/max and errors; slow connections open (min and
mean while measuring); how many were cut off (408) and refused (503); the daemon's
descriptors at the end; and how much its log grew during the run.
Target: p99 < 50 ms with 2,000 slow connections open, and a log that does not grow per
connection.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRICKLE_GAP_S = 2.0
NORMAL_GAP_S = 0.02
RAMP_UP_MAX_S = 30.0
GREEDY_CONNECTIONS = 400  # from one address: beyond the default per-client cap of 256


def start_daemon(work: Path) -> tuple[subprocess.Popen, int, Path]:
    config = work / "faxgw.toml"
    config.write_text(f'[server]\nlisten = "127.0.0.1:0"\n[storage]\nstate_dir = "{work / "state"}"\n'
                      '[scheduler]\nenabled = false\n')
    log = work / "daemon.stderr"
    proc = subprocess.Popen([sys.executable, "-m", "faxgw", "serve", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=open(log, "wb"), cwd=ROOT,
                            start_new_session=True)
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    line = proc.stdout.readline().decode() if ready else ""
    if "listening on" not in line:
        proc.kill()
        raise SystemExit(f"daemon did not start: {line!r}; see {log}")
    return proc, int(line.rsplit(":", 1)[1]), log


class Counts:
    def __init__(self):
        self.open = 0
        self.cut = 0
        self.refused = 0
        self.other_close = 0


async def slow_client(port: int, source: str, counts: Counts, until: float) -> None:
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
        except OSError:
            await asyncio.sleep(0.5)
            continue
        counts.open += 1
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            while time.monotonic() < until:
                try:
                    answer = await asyncio.wait_for(reader.read(1024), TRICKLE_GAP_S)
                except TimeoutError:
                    writer.write(b"X-Slow: a\r\n")
                    continue
                if answer.startswith(b"HTTP/1.1 408"):
                    counts.cut += 1
                elif answer.startswith(b"HTTP/1.1 503"):
                    counts.refused += 1
                    await asyncio.sleep(1.0)
                else:
                    counts.other_close += 1
                break
        except ConnectionError:
            counts.other_close += 1
        finally:
            counts.open -= 1
            writer.close()


async def normal_client(port: int, until: float, latencies: list[float], errors: list[str]) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = await asyncio.wait_for(reader.read(), 5)
            writer.close()
            if answer.startswith(b"HTTP/1.1 200"):
                latencies.append(time.perf_counter() - started)
            else:
                errors.append(answer[:12].decode(errors="replace"))
        except (OSError, TimeoutError) as exc:
            errors.append(type(exc).__name__)
        await asyncio.sleep(NORMAL_GAP_S)


async def run(port: int, log: Path, slow: int, addresses: int, seconds: float) -> None:
    counts, greedy = Counts(), Counts()
    until = time.monotonic() + RAMP_UP_MAX_S + seconds + 5
    tasks = [asyncio.create_task(slow_client(port, f"127.0.1.{1 + i % addresses}", counts, until))
             for i in range(slow)]
    tasks += [asyncio.create_task(slow_client(port, "127.0.2.1", greedy, until))
              for _ in range(GREEDY_CONNECTIONS)]
    ramp_end = time.monotonic() + RAMP_UP_MAX_S
    while counts.open < slow * 0.98 and time.monotonic() < ramp_end:
        await asyncio.sleep(0.1)
    print(f"slow connections open after ramp-up: {counts.open}")
    end = time.monotonic() + seconds
    log_before = log.stat().st_size
    latencies: list[float] = []
    errors: list[str] = []
    samples: list[int] = []
    normal = asyncio.create_task(normal_client(port, end - 1, latencies, errors))
    while time.monotonic() < end - 1:
        samples.append(counts.open)
        await asyncio.sleep(0.5)
    await normal
    log_growth = log.stat().st_size - log_before
    greedy_open = greedy.open
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    ms = sorted(x * 1000 for x in latencies)
    if ms:
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        print(f"normal client: {len(ms)} answers, p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, "
              f"max {ms[-1]:.1f} ms, errors {len(errors)} {sorted(set(errors))}")
    else:
        print(f"normal client: no answers; errors {len(errors)} {sorted(set(errors))[:5]}")
    print(f"slow connections open while measuring: min {min(samples)}, mean {statistics.mean(samples):.0f}")
    print(f"slow connections cut off with 408: {counts.cut}, refused 503: {counts.refused}, "
          f"other closes: {counts.other_close}")
    print(f"greedy address ({GREEDY_CONNECTIONS} wanted): connected at end {greedy_open} (of them ~256 admitted), "
          f"refused 503: {greedy.refused}, cut 408: {greedy.cut}")
    print(f"daemon log growth while measuring: {log_growth} bytes")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow", type=int, default=2000)
    parser.add_argument("--addresses", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="faxgw-slowloris-"))
    proc = None
    try:
        proc, port, log = start_daemon(work)
        asyncio.run(run(port, log, args.slow, args.addresses, args.seconds))
        print(f"daemon descriptors at the end: {len(os.listdir(f'/proc/{proc.pid}/fd'))}")
        print(f"daemon log total: {log.stat().st_size} bytes; its last lines:")
        print("\n".join(log.read_text().splitlines()[-3:]))
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
