"""Benchmark of ECM + MMR against MH without ECM, faxgw to faxgw through hw-sim.

The same document is sent three times: MH without ECM (the anchor: what faxgw sent before
ECM), ECM with MMR on a clean line, and ECM with MMR on a line that flips bits in the
ECM frames. Printed side by side: the call time (first carrier to last, in line seconds),
the call time per page, the image bytes, and the ratio to the anchor; for the noisy line
also the frames sent again and what they should cost on the line (their bytes at the
speed, plus one PPS/PPR exchange and one training per PPR), next to the measured extra.

Run: python3 tests/benchmarks/bench_ecm.py [--pages 2] [--timing realtime] [--ber 1e-4]
Realtime is the faithful one; accelerated gives the same line seconds, more roughly.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "hw-sim")]

from faxgw import g3  # noqa: E402
from faxgw.session import Resolution, SessionResult  # noqa: E402
from faxgw.t30.negotiate import LocalCapabilities  # noqa: E402
from hwsim import Faults, ModemBank  # noqa: E402
from hwsim.modulation import BY_CODE, V21  # noqa: E402
from tests.benchmarks.bench_class1_session import floors_and_call, page_inks  # noqa: E402
from tests.interop.t30.faxgw_dte import faxgw_receive, faxgw_send  # noqa: E402

TURNAROUND_S = 0.075
V21_FRAME_S = lambda octets: V21.training_s + (octets + 3) * 8 / V21.bit_rate  # noqa: E731


async def one_call(inks, timing: str, sender: LocalCapabilities, faults: Faults | None
                   ) -> tuple[SessionResult, dict]:
    with ModemBank(timing=timing) as bank:
        a, b = bank.add_modem("1001"), bank.add_modem("1002")
        if faults is not None:
            bank.fault_next_call("1002", faults)
        receiving = asyncio.ensure_future(faxgw_receive(
            b.device, local=LocalCapabilities(ident="1002", ecm=True)))
        await asyncio.sleep(1.0)
        sent = await faxgw_send(a.device, "1002", inks, Resolution.FINE, local=sender)
        got, _ = await receiving
        record = await bank.wait_for_call_async("1002", timeout=60)
    if not (sent.success and got.success):
        raise SystemExit(f"call failed: {sent.outcome.value} / {got.outcome.value}")
    return sent, record


def call_line_s(record: dict, timing: str) -> tuple[float | None, float]:
    """(the call time, first carrier to last, measured: real time only; the floor of the
    same call in line seconds: each carrier's training and bytes at its speed, 75 ms
    between carriers). Accelerated runs keep the order of the line, not its durations,
    so only the floor is reported for them."""
    _, floor, call = floors_and_call(record)
    return (call if timing == "realtime" else None), floor


def image_bytes(record: dict) -> int:
    return sum(c["bytes"] for c in record["carriers"]
               if c["code"] not in (0, 3) and c["from"] == "1001")


def resend_cost_s(sent: SessionResult) -> float:
    """Line seconds the ECM error correction should add: the frames again at the speed,
    and per PPR one more high-speed carrier (short training) and PPS/PPR on V.21."""
    training_s = min(m.training_s for m in BY_CODE.values()  # V.17: the short train
                     if m.family == sent.modulation and m.bit_rate == sent.bit_rate)
    frame_s = (sent.ecm_frame_size + 7) * 8 / sent.bit_rate
    per_ppr = training_s + 3 * 5 * 8 / sent.bit_rate \
        + V21_FRAME_S(4) + V21_FRAME_S(32) + 3 * TURNAROUND_S
    return sent.ecm_counters.frames_retransmitted * frame_s + sent.ecm_counters.pprs * per_ppr


async def run(pages: int, timing: str, ber: float) -> int:
    await asyncio.to_thread(g3.warm_up)  # as the daemon does at start-up
    inks = page_inks(pages)
    runs = [
        ("MH, no ECM (anchor)", LocalCapabilities(ident="1001", mr=False), None),
        ("ECM + MMR, clean line", LocalCapabilities(ident="1001", ecm=True), None),
        (f"ECM + MMR, BER {ber:g}", LocalCapabilities(ident="1001", ecm=True),
         Faults(bit_error_rate=ber, bit_errors_on="ecm_frames")),
    ]
    rows = []
    for name, local, faults in runs:
        sent, record = await one_call(inks, timing, local, faults)
        call_s, floor_s = call_line_s(record, timing)
        rows.append((name, sent, call_s if call_s is not None else floor_s, floor_s,
                     image_bytes(record)))
    anchor = rows[0][2]
    what = "measured call" if timing == "realtime" else "line floor (accelerated)"
    print(f"{pages}-page fine text fax, faxgw -> faxgw via hw-sim ({timing}), "
          f"{rows[0][1].modulation} {rows[0][1].bit_rate}; time = {what}")
    print(f"  {'':<26}{'coding':>7}{'ECM':>5}{'time s':>9}{'s/page':>8}{'floor s':>9}"
          f"{'bytes':>9}{'resent':>8}{'PPRs':>6}{'vs anchor':>11}")
    for name, sent, call_s, floor_s, nbytes in rows:
        print(f"  {name:<26}{sent.coding.value:>7}{'yes' if sent.ecm else 'no':>5}"
              f"{call_s:>9.2f}{call_s / pages:>8.2f}{floor_s:>9.2f}{nbytes:>9d}"
              f"{sent.ecm_counters.frames_retransmitted:>8d}{sent.ecm_counters.pprs:>6d}"
              f"{call_s / anchor:>10.2f}x")
    clean, noisy = rows[1], rows[2]
    print(f"  clean vs noisy ECM: {clean[2]:.2f} s vs {noisy[2]:.2f} s, "
          f"+{noisy[2] - clean[2]:.2f} s; the {noisy[1].ecm_counters.frames_retransmitted} frames "
          f"resent and {noisy[1].ecm_counters.pprs} PPR round trips should cost {resend_cost_s(noisy[1]):.2f} s "
          f"at {noisy[1].bit_rate} bit/s")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--timing", default="realtime", choices=["realtime", "accelerated"])
    parser.add_argument("--ber", type=float, default=1e-4)
    args = parser.parse_args()
    return asyncio.run(run(args.pages, args.timing, args.ber))


if __name__ == "__main__":
    sys.exit(main())
