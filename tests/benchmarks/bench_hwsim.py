"""How many simultaneous calls hw-sim carries in real time before a call falls behind.

Each call is two efax processes (a sender and an auto-answering receiver) exchanging a
dense one-page fax through the simulator in real-time mode, so every byte is paced at the
line rate. For N = each step, N calls start together; the simulator records for every
carrier how late (wall clock) it delivered data against the line-rate schedule. A step
passes when no carrier was more than --max-lag-ms late: the simulator kept up with every
line. An anchor process that only sleeps shows the machine's own scheduling noise in
the same run. efax's own verdicts and the pages carried are shown beside it: with 2N efax
processes on two shared cores, efax itself can answer too late (it issues +FRS=1 after
TCF; if the far end's CFR flags started meanwhile, it waits them out and misses CFR),
which is the DTE failing, not the line falling behind.
The answer is the largest passing N.

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


ANCHOR = """
import signal, sys, time
late = []
signal.signal(signal.SIGTERM, lambda *_: (print(max(late, default=0), sorted(late)[int(len(late) * 0.99)] if late else 0), sys.exit(0)))
while True:
    t = time.monotonic() + 0.01
    time.sleep(0.01)
    late.append((time.monotonic() - t) * 1000)
"""


def start_anchor() -> subprocess.Popen:
    """An idle process that only sleeps 10 ms at a time and notes how late it wakes:
    the scheduling noise of this machine during the step, the anchor for our lag."""
    return subprocess.Popen([sys.executable, "-c", ANCHOR], stdout=subprocess.PIPE, text=True)


def stop_anchor(proc: subprocess.Popen) -> tuple[float, float]:
    proc.terminate()
    out, _ = proc.communicate(10)
    worst, p99 = (float(x) for x in out.split())
    return worst, p99


def wait_ready(logs: list[Path], timeout: float = 60) -> None:
    """A call arriving while efax still sends its init commands is answered in the
    middle of them (as on a real line): start calling once every receiver listens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all("waiting for activity" in log.read_text() for log in logs):
            return
        time.sleep(0.1)
    raise RuntimeError("efax receivers did not start listening")


def run_step(calls: int, page: Path, workdir: Path, max_lag_ms: float) -> dict:
    with ModemBank(timing="realtime") as bank:
        pairs = [(bank.add_modem(str(2000 + 2 * i)), bank.add_modem(str(2001 + 2 * i)))
                 for i in range(calls)]
        receivers = []
        for i, (_, callee) in enumerate(pairs):
            log = workdir / f"rx{i}.log"
            with open(log, "w") as out:
                receivers.append(subprocess.Popen(
                    ["efax", "-d", callee.device, "-o1", "-w", "-iS0=1", "-v", "ewi",
                     "-r", str(workdir / f"rcv{i}")], stdout=out, stderr=subprocess.STDOUT))
        wait_ready([workdir / f"rx{i}.log" for i in range(calls)])
        anchor = start_anchor()
        cpu0, wall0 = time.process_time(), time.monotonic()
        senders = []
        for i, (caller, callee) in enumerate(pairs):
            with open(workdir / f"tx{i}.log", "w") as out:
                senders.append(subprocess.Popen(
                    ["efax", "-d", caller.device, "-o1", "-h", "", "-v", "ewi", "-t",
                     callee.number, str(page)], stdout=out, stderr=subprocess.STDOUT))
        codes = [p.wait(300) for p in senders] + [p.wait(60) for p in receivers]
        for i, code in enumerate(codes):
            if code:
                name = f"tx{i}.log" if i < calls else f"rx{i - calls}.log"
                errors = [line for line in (workdir / name).read_text().splitlines()
                          if "Error" in line][:3]
                print(f"  efax {name} returned {code}: {errors}", flush=True)
        wall = time.monotonic() - wall0
        cpu = time.process_time() - cpu0
        anchor_max, anchor_p99 = stop_anchor(anchor)
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
            "late_calls": sum(1 for lag in lags if lag > max_lag_ms),
            "pages": len(pages), "anchor_max_ms": anchor_max, "anchor_p99_ms": anchor_p99,
            "passed": max(lags) <= max_lag_ms}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default="8,16,24,32,40")
    parser.add_argument("--max-lag-ms", type=float, default=100.0)
    parser.add_argument("--lines", type=int, default=1100)
    parser.add_argument("--keep", action="store_true", help="keep the efax logs")
    args = parser.parse_args()
    if not shutil.which("efax"):
        print("efax is not installed (apt-get install efax)")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="bench-hwsim-"))
    page = make_page(workdir, args.lines)
    best = 0
    print(f"{'calls':>5} {'efax ok':>7} {'fail':>4} {'max lag ms':>10} {'p99 lag ms':>10} "
          f"{'late':>4} "
          f"{'pages':>5} {'page KB':>8} {'wall s':>7} {'sim CPU %':>9}")
    for calls in (int(s) for s in args.steps.split(",")):
        r = run_step(calls, page, workdir, args.max_lag_ms)
        print(f"{r['calls']:>5} {'yes' if r['ok'] else 'no':>7} {r['efax_failures']:>4} "
              f"{r['max_lag_ms']:>10.1f} {r['p99_lag_ms']:>10.1f} {r['late_calls']:>4} "
              f"{r['pages']:>5} {r['page_bytes'] / 1024:>8.0f} {r['wall_s']:>7.1f} "
              f"{r['sim_cpu_percent']:>9.0f} "
              f"{r['anchor_max_ms']:>10.1f}/{r['anchor_p99_ms']:<6.1f}", flush=True)
        if not r["passed"]:
            break
        best = calls
    print(f"simultaneous real-time calls carried without falling behind: {best} "
          f"(max lag <= {args.max_lag_ms} ms)")
    if args.keep:
        print(f"logs in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
