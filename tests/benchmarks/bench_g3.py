"""Pages per second of faxgw.g3 against libtiff (through Pillow, same process, same pages).

    python3 tests/benchmarks/bench_g3.py [--repeat N] [--no-compile-time]

For a fine-resolution text page and a dithered photo (1728 x 2292) and each coding, times
our encode() and decode() and libtiff's encode (Image.save as TIFF Group 3 1-D, Group 3 2-D
(T4Options 1), Group 4) and decode (Image.open(...).load() of a file libtiff wrote).
"decode" lines decode each coder's own output; "read" lines decode the very same bytes
(libtiff's file) with faxgw.g3.tiff.read_tiff and with Pillow.
The two are timed alternately, by this thread's CPU time (time.thread_time: both run in
this thread, and other processes on the box's two shared cores then distort neither), and
the median of N runs is printed; the ratio is libtiff's time over ours (above 1: we are
faster).
Also prints the numba first-call cost with an empty and with a warm on-disk cache.
A script, not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from faxgw import g3  # noqa: E402
from faxgw.g3.tiff import read_tiff  # noqa: E402
from tests.unit.g3 import corpus  # noqa: E402

PILLOW_OPTIONS = {
    "MH": {"compression": "group3"},
    "MR": {"compression": "group3", "tiffinfo": {292: 1}},  # T4Options: 2-D coding
    "MMR": {"compression": "group4"},
}


def libtiff_encode(image: Image.Image, coding: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "TIFF", **PILLOW_OPTIONS[coding])
    return buffer.getvalue()


def libtiff_decode(tiff: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(tiff))
    image.load()
    return image


def alternate_medians(first, second, repeat: int) -> tuple[float, float]:
    first(), second()  # warm up (and compile)
    times_first, times_second = [], []
    for _ in range(repeat):
        for job, times in ((first, times_first), (second, times_second)):
            start = time.thread_time()
            job()
            times.append(time.thread_time() - start)
    return statistics.median(times_first), statistics.median(times_second)


def bench_page(name: str, image: Image.Image, repeat: int) -> None:
    for coding in ("MH", "MR", "MMR"):
        ours_data = g3.encode(image, coding)
        theirs_tiff = libtiff_encode(image, coding)
        ours, theirs = alternate_medians(lambda: g3.encode(image, coding),
                                         lambda: libtiff_encode(image, coding), repeat)
        report("encode", name, coding, ours, theirs, len(ours_data))
        ours, theirs = alternate_medians(lambda: g3.decode(ours_data, 1728, coding),
                                         lambda: libtiff_decode(theirs_tiff), repeat)
        report("decode", name, coding, ours, theirs, len(theirs_tiff))
        # The same bytes for both: libtiff's file, read by read_tiff and by Pillow.
        ours, theirs = alternate_medians(lambda: read_tiff(theirs_tiff),
                                         lambda: libtiff_decode(theirs_tiff), repeat)
        report("read", name, coding, ours, theirs, len(theirs_tiff))


def report(what: str, page: str, coding: str, ours: float, theirs: float, size: int) -> None:
    print(f"{what:6} {page:5} {coding:3}  faxgw {1 / ours:7.1f} pages/s ({ours * 1e3:6.1f} ms)"
          f"  libtiff {1 / theirs:7.1f} pages/s ({theirs * 1e3:6.1f} ms)"
          f"  ratio {theirs / ours:5.2f}  [{size} bytes]")


def first_call_seconds(cache_dir: str) -> tuple[float, float]:
    """A fresh interpreter's import + first encode/decode of every coding: (wall, CPU)."""
    code = ("import time; t, c0 = time.perf_counter(), time.process_time()\n"
            "from faxgw import g3; from PIL import Image; im = Image.new('1', (1728, 4), 1)\n"
            "for c in ('MH', 'MR', 'MMR'): g3.decode(g3.encode(im, c), 1728, c)\n"
            "print(time.perf_counter() - t, time.process_time() - c0)")
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    wall, cpu = map(float, done.stdout.split())
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--no-compile-time", action="store_true")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, cpus {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f}, median of {args.repeat}")
    bench_page("text", corpus.text_page(), args.repeat)
    bench_page("photo", corpus.dithered_photo(), args.repeat)
    if not args.no_compile_time:
        with tempfile.TemporaryDirectory() as cache_dir:
            cold = first_call_seconds(cache_dir)
            warm = first_call_seconds(cache_dir)
        print(f"first call (import + all codings): {cold[0]:.2f} s ({cold[1]:.2f} s CPU) with "
              f"an empty numba cache, {warm[0]:.2f} s ({warm[1]:.2f} s CPU) with a warm one")


if __name__ == "__main__":
    main()
