"""Benchmark of the host-side HDLC framer on a full ECM block: 256 FCD frames of 256
octets and three RCP, with a 200 ms preamble at 14400 bit/s. Two blocks: random octets
(compressed image data looks like that), and all ones (the most zero bits inserted: the
worst case for stuffing).

Printed: the block's line bits, then for encode, decode of the whole buffer, and decode
fed in 1 KiB pieces (as a pty delivers +FRM data), the best time of several runs, the
throughput in line kbit/s, and its ratio to the anchor, the line rate of V.17 at 14400
bit/s (how many times faster than the modem sends or receives the block).

Run: python3 tests/benchmarks/bench_hdlc_framer.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

from faxgw.modem.class1.hdlc_framer import (  # noqa: E402
    HdlcDeframer, decode, encode, preamble_flags)
from faxgw.t30.ecm import fcd_frame, rcp_frame  # noqa: E402

LINE_RATE = 14400


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def decode_in_pieces(line: bytes, piece: int = 1024) -> list:
    deframer, frames = HdlcDeframer(), []
    for position in range(0, len(line), piece):
        frames += deframer.feed(line[position:position + piece])
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(0)
    for name, payload in (("random octets", lambda: rng.randbytes(256)),
                          ("all ones", lambda: b"\xff" * 256)):
        block = [fcd_frame(n, payload()) for n in range(256)] + [rcp_frame()] * 3
        print(f"--- {name}")
        bench_block(block, args.repeat)


def bench_block(block: list[bytes], repeat: int) -> None:
    flags = preamble_flags(LINE_RATE)
    line = encode(block, leading_flags=flags, flags_between=1)
    assert [f.data for f in decode(line) if f.fcs_ok] == block
    assert [f.data for f in decode_in_pieces(line) if f.fcs_ok] == block
    bits = len(line) * 8
    print(f"ECM block: {len(block)} frames, {len(line)} octets on the line "
          f"({bits / 1000:.0f} kbit, {bits / LINE_RATE:.1f} s at {LINE_RATE} bit/s)")
    print(f"{'':22} {'seconds':>8} {'kbit/s':>9} {'x line rate':>12}")
    print(f"{'anchor: the line':22} {bits / LINE_RATE:8.3f} {LINE_RATE / 1000:9.1f} "
          f"{1:12.1f}")
    cases = {
        "encode": lambda: encode(block, leading_flags=flags, flags_between=1),
        "decode (whole)": lambda: decode(line),
        "decode (1 KiB pieces)": lambda: decode_in_pieces(line),
    }
    for name, work in cases.items():
        seconds = best_of(repeat, work)
        rate = bits / seconds
        print(f"{name:22} {seconds:8.3f} {rate / 1000:9.0f} {rate / LINE_RATE:12.0f}")


if __name__ == "__main__":
    main()
