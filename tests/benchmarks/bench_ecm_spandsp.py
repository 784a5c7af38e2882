"""Benchmark: faxgw sending to spandsp's fax terminal through spandsp's T.31 modem (whose
+FTH=? is 3 alone, so faxgw frames ECM itself), at real time.

For 1 and 3 dense fine pages (text-like: short dark runs on every 40th band of lines),
ECM + MMR against MR without ECM, on a clean line and on the noisy line of HylaFAX's
measurement (25 dB loss, noise at -55 dBm0). Printed per call: the call time (spandsp's
line seconds, answer to hang-up), the T.30 floor of that call (the fixed overhead of its
phases plus its page data at the negotiated rate, see ``t30_floor``) and the ratio to it,
the pages' size in octets, the rate, and what ECM resent. Every page is checked pixel-exact
through libtiff. HylaFAX 6.0.7 on the same modem and far end: 40.5 s for one fine page
with ECM + MMR on the clean line, 86.8 s on the noisy line.

Run: python3 tests/benchmarks/bench_ecm_spandsp.py [--pages 1 3] [--lines clean noisy]
(8 real-time calls, about ten minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "hw-sim")]

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from hwsim.spandsp_far_end import SpandspFarEnd  # noqa: E402
from tests.benchmarks.bench_class1_session import page_inks  # noqa: E402
from tests.interop.g3.tools import libtiff_black_masks  # noqa: E402

A4_FINE_LINES = 2292
LINES = {"clean": {}, "noisy": {"attenuation_db": 25.0, "noise_dbm0": -55.0}}
HYLAFAX_S = {"clean": 40.5, "noisy": 86.8}  # one fine page, ECM + MMR (the table)

# --- the T.30 floor -------------------------------------------------------------------
V21_RATE = 300
V21_PREAMBLE_S = 1.0  # T.30 5.3.1: flags before the first frame of a V.21 carrier
GAP_S = 0.075  # T.30 5.3.3: silence between carriers
CED_S = 2.6  # T.30 4.1.2: the shortest answer tone
TCF_S = 1.5  # T.30 5.3.2.1: TCF is 1.5 s of zeros
ECM_PREAMBLE_S = 0.2  # T.30 A.3.2: flags before the first frame of a partial page
# Training before the data (T.30 Table 2 and the modem Recommendations): long for TCF,
# short (V.17 only) for the pages after it.
LONG_TRAINING_S = {14400: 1.393, 12000: 1.393, 9600: 0.253, 7200: 0.253, 4800: 0.708,
                   2400: 0.943}
SHORT_TRAINING_S = {14400: 0.142, 12000: 0.142, 9600: 0.253, 7200: 0.253, 4800: 0.708,
                    2400: 0.943}
FRAME_EXTRA = 3  # FCS (2) and one flag per V.21 frame


def v21_carrier_s(*fif_octets: int) -> float:
    """One V.21 carrier of frames with these FIF lengths (address, control, FCF: 3)."""
    return V21_PREAMBLE_S + sum((3 + n + FRAME_EXTRA) * 8 for n in fif_octets) / V21_RATE


def t30_floor(page_octets: list[int], rate: int, ecm: bool, frame_size: int = 256) -> float:
    """The least a call with these pages can take at ``rate``: CED, DIS with CSI, DCS with
    TSI, TCF, CFR, then per page its data carrier and the post-page command and answer
    (PPS-MPS/EOP and MCF with ECM), DCN; 75 ms between carriers. DIS is taken as 8 octets
    of FIF, DCS as 5, idents as 20. ECM data counts each frame's header, FCS and flag and
    the three RCP frames, without zero-bit insertion."""
    s = CED_S + v21_carrier_s(20, 8) + v21_carrier_s(20, 5)
    s += LONG_TRAINING_S[rate] + TCF_S + v21_carrier_s(0)
    for octets in page_octets:
        if ecm:
            frames = -(-octets // frame_size)
            line = octets + frames * (4 + FRAME_EXTRA) + 3 * (3 + FRAME_EXTRA)
            s += SHORT_TRAINING_S[rate] + ECM_PREAMBLE_S + line * 8 / rate
            s += v21_carrier_s(4) + v21_carrier_s(0)  # PPS-MPS/EOP, MCF
        else:
            s += SHORT_TRAINING_S[rate] + octets * 8 / rate
            s += v21_carrier_s(0) + v21_carrier_s(0)  # MPS/EOP, MCF
    s += v21_carrier_s(0)  # DCN
    carriers = 6 + 3 * len(page_octets) + 1
    return s + GAP_S * (carriers - 1)


# --- one call ---------------------------------------------------------------------------
def page_files(directory: Path, count: int) -> tuple[list[Path], list[np.ndarray]]:
    inks = page_inks(count, lines=A4_FINE_LINES)
    paths = []
    for number, ink in enumerate(inks, 1):
        path = directory / f"page{number}.png"
        Image.fromarray(~ink).save(path, dpi=(204, 196))
        paths.append(path)
    return paths, inks


def page_octets(sent: dict, rate: int) -> list[int]:
    """Each page's coded size, from faxgw's trace: the ECM 'page N: X bytes' notes, or
    without ECM the image carriers that are not TCF (1.5 s of zeros at the rate)."""
    pages: dict[int, int] = {}
    for entry in sent["trace"]:
        found = re.match(r"page (\d+): (\d+) bytes", entry["what"])
        if found:
            pages[int(found[1])] = int(found[2])
    if pages:
        return [pages[n] for n in sorted(pages)]
    images = [int(m[1]) for e in sent["trace"] if e["what"] == "SendImage"
              and (m := re.search(r"(\d+) bytes", e["detail"]))]
    return [n for n in images if n not in (r * 3 // 16 for r in LONG_TRAINING_S)]


async def one_call(directory: Path, pages: int, line: str, ecm: bool) -> dict:
    files, inks = page_files(directory, pages)
    received = directory / "received.tif"
    async with SpandspFarEnd("answer", received, ident="1002", time_limit=400,
                             **LINES[line]) as far:
        command = [sys.executable, "-m", "faxgw", "modem", "send", "--device", far.device,
                   "--ident", "1001", *([] if ecm else ["--no-ecm"]), "1002",
                   *map(str, files)]
        proc = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        result = await far.result(timeout=60)
    sent = json.loads(out) if out.strip() else {}
    exact = received.exists() and len(masks := libtiff_black_masks(received.read_bytes())) \
        == len(inks) and all(np.array_equal(a, b) for a, b in zip(masks, inks))
    octets = page_octets(sent, result.bit_rate) if sent else []
    floor = t30_floor(octets, result.bit_rate, ecm) if octets else float("nan")
    return {"pages": pages, "line": line, "mode": "ECM+MMR" if ecm else "MR no ECM",
            "ok": bool(sent.get("success")) and result.success, "exact": exact,
            "call_s": result.line_seconds, "floor_s": floor, "rate": result.bit_rate,
            "coding": result.compression, "octets": octets, "pprs": sent.get("pprs", 0),
            "resent": sent.get("frames_retransmitted", 0), "ctcs": sent.get("ctcs", 0),
            "bad_rows": result.bad_rows, "error": "" if sent else err.decode()[-500:],
            "outcome": f"{sent.get('outcome')} ({sent.get('detail')}); far end: "
                       f"{result.completion}, {result.pages} page(s)"}


def show(row: dict) -> None:
    ratio = row["call_s"] / row["floor_s"] if row["floor_s"] == row["floor_s"] else float("nan")
    octets = "+".join(map(str, row["octets"])) or "?"
    print(f"{row['pages']} page(s) {row['line']:<5} {row['mode']:<9}  call {row['call_s']:6.1f} s"
          f"  floor {row['floor_s']:6.1f} s  x{ratio:4.2f}  {row['rate']:5d} bit/s "
          f"{row['coding'] or '?':<3}  {octets:>17} octets  PPR {row['pprs']} resent "
          f"{row['resent']} CTC {row['ctcs']}  bad rows {row['bad_rows']}  "
          f"{'ok' if row['ok'] else 'FAILED'} {'pixel-exact' if row['exact'] else 'NOT EXACT'}"
          f"{'  ' + row['error'] if row['error'] else ''}", flush=True)
    if not row["ok"]:
        print(f"    {row['outcome']}", flush=True)
    if row["pages"] == 1 and row["mode"] == "ECM+MMR":
        hylafax = HYLAFAX_S[row["line"]]
        print(f"    against HylaFAX's {hylafax} s: x{row['call_s'] / hylafax:.2f}", flush=True)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--lines", nargs="+", choices=sorted(LINES), default=["clean", "noisy"])
    args = parser.parse_args()
    failed = 0
    for line in args.lines:
        for pages in args.pages:
            for ecm in (True, False):
                with tempfile.TemporaryDirectory() as scratch:
                    row = await one_call(Path(scratch), pages, line, ecm)
                show(row)
                failed += not (row["ok"] and row["exact"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
