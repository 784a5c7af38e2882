"""How many simultaneous calls hw-sim carries in real time before a call falls behind.

Each call is two efax processes (a sender and an auto-answering receiver) exchanging a
dense one-page fax through the simulator in real-time mode, so every byte is paced at the
line rate. For N = each step, N calls start together; the simulator records for every
carrier how late (wall clock) it delivered data against the line-rate schedule. A step
passes when every call completed with efax reporting success and no carrier was more
than --max-lag-ms late. The answer is the largest passing N.

    python3 tests/benchmarks/bench_hwsim.py [--steps 8,16,24,32,40] [--max-lag-ms 100]

A script that prints numbers, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "hw-sim"))
from hwsim import ModemBank  # noqa: E402


def make_page(directory: Path, lines: int) -> Path:
    """A dense standard-resolution page: about 20 KB of T.4, 11 s at 14400 bit/s."""
    rng = np.random.default_rng(7)
    ink = np.zeros((lines, 1728), bool)
    for _ in range(lines * 2):
        y, x = int(rng.integers(0, lines - 8)), int(rng.integers(0, 1700))
        ink[y:y + int(rng.integers(1, 8)), x:x + int(rng.integers(1, 28))] = True
    pbm = directory / "dense.pbm"
    Image.fromarray(~ink).save(pbm)
    subprocess.run(["efix", "-R", "204x98", "-r", "204x98", "-otiffg3", "-n",
                    str(directory / "dense.%03d"), str(pbm)], check=True, capture_output=True)
    return directory / "dense.001"


def run_step(calls: int, page: Path, workdir: Path, max_lag_ms: float) -> dict:
    with ModemBank(timing="realtime") as bank:
        pairs = [(bank.add_modem(str(2000 + 2 * i)), bank.add_modem(str(2001 + 2 * i)))
                 for i in range(calls)]
        receivers = []
        for i, (_, callee) in enumerate(pairs):
            log = workdir / f"rx{i}.log"
            receivers.append(subprocess.Popen(
                ["efax", "-d", callee.device, "-o1", "-w", "-iS0=1", "-v", "e",
                 "-r", str(workdir / f"rcv{i}")], stdout=open(log, "w"),
                stderr=subprocess.STDOUT))
        time.sleep(2.0 + calls * 0.05)  # let every receiver finish its init commands
        cpu0, wall0 = time.process_time(), time.monotonic()
        senders = [subprocess.Popen(
            ["efax", "-d", caller.device, "-o1", "-h", "", "-v", "e", "-t", callee.number,
             str(page)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for caller, callee in pairs]
        codes = [p.wait(300) for p in senders] + [p.wait(60) for p in receivers]
        wall = time.monotonic() - wall0
        cpu = time.process_time() - cpu0
        records = [bank.wait_for_call(None, 10) for _ in range(calls)]
    lags = [r["max_lag_ms"] for r in records]
    pages = [c for r in records for c in r["carriers"] if c["page"]]
    line_seconds = sum(c["duration_s"] for c in pages)
    ok = all(code == 0 for code in codes) and \
        all(r["result"] == "completed" for r in records)
    return {"calls": calls, "ok": ok, "efax_failures": sum(1 for c in codes if c),
            "max_lag_ms": max(lags), "p99_lag_ms": float(np.percentile(lags, 99)),
            "page_bytes": sum(c["bytes"] for c in pages), "page_carrier_s": line_seconds,
            "wall_s": wall, "sim_cpu_percent": 100 * cpu / wall,
            "passed": ok and max(lags) <= max_lag_ms}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default="8,16,24,32,40")
    parser.add_argument("--max-lag-ms", type=float, default=100.0)
    parser.add_argument("--lines", type=int, default=1100)
    args = parser.parse_args()
    if not shutil.which("efax"):
        print("efax is not installed (apt-get install efax)")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="bench-hwsim-"))
    page = make_page(workdir, args.lines)
    best = 0
    print(f"{'calls':>5} {'ok':>3} {'fail':>4} {'max lag ms':>10} {'p99 lag ms':>10} "
          f"{'page KB':>8} {'wall s':>7} {'sim CPU %':>9}")
    for calls in (int(s) for s in args.steps.split(",")):
        r = run_step(calls, page, workdir, args.max_lag_ms)
        print(f"{r['calls']:>5} {'yes' if r['ok'] else 'no':>3} {r['efax_failures']:>4} "
              f"{r['max_lag_ms']:>10.1f} {r['p99_lag_ms']:>10.1f} "
              f"{r['page_bytes'] / 1024:>8.0f} {r['wall_s']:>7.1f} "
              f"{r['sim_cpu_percent']:>9.0f}", flush=True)
        if not r["passed"]:
            break
        best = calls
    print(f"simultaneous real-time calls carried without falling behind: {best} "
          f"(max lag <= {args.max_lag_ms} ms, every efax call successful)")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
