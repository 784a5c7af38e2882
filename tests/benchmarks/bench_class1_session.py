"""Benchmark of the Class 1 session in hw-sim's real-time mode.

faxgw sends a 3-page fine fax to faxgw through two simulated modems while a process pool
renders documents next to it (as the daemon does). Printed:

- response latency: for every turn of the line (the far end's carrier ends, ours starts),
  the gap on the line (p50, p99, max), per side; T.30 wants 75 ms of silence there
  (clause 5.3.2.4), so the latency we add is the gap minus 75 ms;
- the engine's own reaction: from each received frame to our next command to the modem,
  from the protocol traces;
- the call time (first carrier to last) against the floor: every carrier at its
  negotiated speed back to back with 75 ms between them.

Run: python3 tests/benchmarks/bench_class1_session.py [--pages 3] [--timing realtime]
Targets: p99 response under 100 ms, call time within 10 % of the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "hw-sim")]

from faxgw.session import Resolution, SessionResult  # noqa: E402
from hwsim import ModemBank  # noqa: E402
from hwsim.modulation import by_code  # noqa: E402
from tests.interop.t30.faxgw_dte import faxgw_receive, faxgw_send  # noqa: E402

TURNAROUND_S = 0.075


def page_inks(count: int, lines: int = 2200) -> list[np.ndarray]:
    """Pages that look like text: short dark runs on many lines."""
    rng = np.random.default_rng(3)
    pages = []
    for _ in range(count):
        ink = np.zeros((lines, 1728), bool)
        for top in range(100, lines - 100, 40):
            for left in range(100, 1600, 60):
                if rng.random() < 0.7:
                    ink[top:top + 24, left:left + int(rng.integers(8, 50))] = True
        pages.append(ink)
    return pages


def render_forever(stop_file: str) -> int:
    """CPU work of the daemon's renderer, in another process, until ``stop_file`` exists."""
    from faxgw.documents import RenderOptions, render_all

    text = ("faxgw benchmark line of text to render\n" * 60).encode()
    done = 0
    while not Path(stop_file).exists():
        render_all([text], RenderOptions())
        done += 1
    return done


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line_gaps(record: dict) -> dict[str, list[float]]:
    """Gaps between one side's carrier ending and the other's starting, by responder."""
    carriers = sorted(record["carriers"], key=lambda c: c["start_s"])
    gaps: dict[str, list[float]] = {}
    for before, after in zip(carriers, carriers[1:]):
        if before["from"] != after["from"] and before["duration_s"] is not None:
            gap = after["start_s"] - (before["start_s"] + before["duration_s"])
            gaps.setdefault(after["from"], []).append(gap)
    return gaps


def engine_reactions(result: SessionResult) -> list[float]:
    """From each frame received to the next command the runner gave the modem."""
    out, last_rx = [], None
    for entry in result.trace:
        if entry.kind == "rx" and entry.what.split(" ")[0] not in ("image",):
            last_rx = entry.t_s
        elif entry.kind == "cmd" and last_rx is not None:
            out.append(entry.t_s - last_rx)
            last_rx = None
    return out


def least_time(carrier: dict) -> float:
    """What the carrier needs at its speed: its preamble or training, then its bytes.
    A tone (CED) has no data: its own length is what it needs."""
    modulation = by_code(carrier["code"])
    if modulation is None or not modulation.bit_rate:
        return carrier["duration_s"]
    return modulation.training_s + carrier["bytes"] * 8 / modulation.bit_rate


def floors_and_call(record: dict) -> tuple[float, float, float]:
    """(floor from the carriers as the modems made them, floor from the bytes alone at
    the negotiated speeds, the call time); 75 ms between carriers in both floors."""
    carriers = sorted(record["carriers"], key=lambda c: c["start_s"])
    gaps = TURNAROUND_S * (len(carriers) - 1)
    carried = sum(c["duration_s"] for c in carriers) + gaps
    data = sum(least_time(c) for c in carriers) + gaps
    last = carriers[-1]
    return carried, data, last["start_s"] + last["duration_s"] - carriers[0]["start_s"]


def show(name: str, values: list[float]) -> None:
    ms = [v * 1000 for v in values]
    print(f"  {name:<34} n={len(ms):3d}  p50 {percentile(ms, .5):7.1f} ms  "
          f"p99 {percentile(ms, .99):7.1f} ms  max {max(ms):7.1f} ms")


async def run(pages: int, timing: str) -> int:
    inks = page_inks(pages)
    stop = Path(tempfile.mkdtemp()) / "stop"
    with ModemBank(timing=timing) as bank, ProcessPoolExecutor(2) as pool:
        a, b = bank.add_modem("1001"), bank.add_modem("1002")
        loop = asyncio.get_running_loop()
        renders = [loop.run_in_executor(pool, render_forever, str(stop)) for _ in range(2)]
        receiving = asyncio.ensure_future(faxgw_receive(b.device))
        await asyncio.sleep(1.0)
        sent = await faxgw_send(a.device, "1002", inks, Resolution.FINE)
        got, _ = await receiving
        record = await bank.wait_for_call_async("1002", timeout=30)
        stop.touch()
        rendered = sum(await asyncio.gather(*renders))
    print(f"{pages}-page fine fax, {timing}: sender {sent.outcome.value}, "
          f"receiver {got.outcome.value}, {sent.modulation} {sent.bit_rate}, {sent.coding.value}")
    gaps = line_gaps(record)
    for side, values in sorted(gaps.items()):
        show(f"line gap before {side}'s carriers", values)
        show(f"  minus the 75 ms T.30 asks", [v - TURNAROUND_S for v in values])
    show("sender: frame in -> next command", engine_reactions(sent))
    show("receiver: frame in -> next command", engine_reactions(got))
    carried, data, call = floors_and_call(record)
    print(f"  call time {call:.2f} s; floor of the carriers as made {carried:.2f} s "
          f"(+{100 * (call - carried) / carried:.1f} %); floor of the bytes alone {data:.2f} s "
          f"(+{100 * (call - data) / data:.1f} %)")
    print(f"  documents rendered alongside: {rendered}")
    return 0 if sent.success and got.success else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--timing", default="realtime", choices=["realtime", "accelerated"])
    args = parser.parse_args()
    return asyncio.run(run(args.pages, args.timing))


if __name__ == "__main__":
    sys.exit(main())
