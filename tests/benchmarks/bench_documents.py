"""Uploaded bytes to encoded fine-resolution pages ready to dial: faxgw vs ghostscript.

    python3 tests/benchmarks/bench_documents.py [--repeat 5] [--coding MH] [--workers 2]

For a 1-, 10- and 50-page text PDF and a 5-page photo PDF, in the same run: faxgw's daemon
path (a warm process pool, as the daemon keeps it, pages of a document spread over the
workers, each page rendered, binarised and encoded by faxgw.g3), faxgw's CLI path (the same
pipeline in one process, no pool), and ghostscript run the way a HylaFAX box runs it (one
process per document, tiffg3 at 204x196 on A4). Runs are interleaved so load from other
users of the machine falls on both. Medians are printed, with the ratio faxgw / gs
(below 1 means faxgw is faster). A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from faxgw.documents import Renderer, RenderOptions, Resolution, render_all  # noqa: E402
from tests.unit.documents import corpus  # noqa: E402

GS_HYLAFAX = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffg3", "-r204x196",
              "-sPAPERSIZE=a4", "-dFIXEDMEDIA", "-dPDFFitPage"]


def documents() -> dict[str, bytes]:
    return {
        "text 1 page": corpus.text_pdf(1),
        "text 10 pages": corpus.text_pdf(10),
        "text 50 pages": corpus.text_pdf(50),
        "photo 5 pages": corpus.photo_pdf(5),
    }


def codec_available() -> bool:
    try:
        import faxgw.g3  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


def time_gs(path: Path, out_dir: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ghostscript run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*GS_HYLAFAX, f"-sOutputFile={out_dir / 'gs.tif'}", str(path)], check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def workers_cpu(renderer: Renderer) -> float:
    """Processor seconds the pool's workers have used so far (from /proc): what the pool
    costs, which load from other users of the machine inflates far less than wall time."""
    total = 0
    for pid in list(renderer.pool._executor._processes or {}):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


async def time_pool(renderer: Renderer, data: bytes, options: RenderOptions, pages: int) -> tuple[float, float]:
    """Wall seconds of one render in the pool, and the workers' processor seconds."""
    cpu_before = workers_cpu(renderer)
    started = time.perf_counter()
    result = await renderer.render([data], options)
    elapsed = time.perf_counter() - started
    assert len(result) == pages and all(p.encoded or not options.coding for p in result)
    return elapsed, workers_cpu(renderer) - cpu_before


def time_in_process(data: bytes, options: RenderOptions) -> tuple[float, float]:
    """Wall and CPU seconds of the whole pipeline in this one process."""
    started, cpu_started = time.perf_counter(), time.process_time()
    render_all([data], options)
    return time.perf_counter() - started, time.process_time() - cpu_started


async def run(args) -> None:
    coding = args.coding if codec_available() else None
    options = RenderOptions(resolution=Resolution.FINE, coding=coding)
    renderer = Renderer(workers=args.workers)
    renderer.warm_up()  # the daemon does this at start
    docs = documents()
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, cpus={os.cpu_count()}, "
          f"workers={renderer.pool.workers}, repeat={args.repeat}, loadavg={os.getloadavg()[0]:.2f}")
    print(f"# encoding: {coding or 'NONE (faxgw.g3 not in this build: render + binarise only)'}")
    print(f"# gs: {' '.join(GS_HYLAFAX)} -sOutputFile=OUT file.pdf")
    print("# wall ms: median over the repeats; ratio = faxgw / gs (below 1: faxgw faster)")
    print("# cpu ms: processor time of gs, of the 1-process pipeline and of the pool's workers (10 ms ticks;")
    print("#   load from others inflates it far less than wall time)")
    print("# best: the fastest of the repeats (closest to an idle machine), gs and pool")
    header = (f"{'document':15} {'pages':>5} {'gs ms':>8} {'pool ms':>8} {'ratio':>6} {'1-proc ms':>9} {'ratio':>6}"
              f" {'gs cpu':>7} {'1-proc cpu':>10} {'ratio':>6} {'pool cpu':>8} {'ratio':>6}"
              f" {'gs best':>8} {'pool best':>9} {'ratio':>6}")
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        for name, data in docs.items():
            path = tmp_dir / "doc.pdf"
            path.write_bytes(data)
            pages = int(name.split()[1])
            await time_pool(renderer, data, options, pages)  # first touch of this document
            gs, pool, local, gs_cpu, local_cpu, pool_cpu = [], [], [], [], [], []
            for _ in range(args.repeat):
                wall, cpu = time_gs(path, tmp_dir)
                gs.append(wall)
                gs_cpu.append(cpu)
                wall, cpu = await time_pool(renderer, data, options, pages)
                pool.append(wall)
                pool_cpu.append(cpu)
                wall, cpu = time_in_process(data, options)
                local.append(wall)
                local_cpu.append(cpu)
            g, p, l, gc, lc, pc = (statistics.median(v) * 1000
                                   for v in (gs, pool, local, gs_cpu, local_cpu, pool_cpu))
            gb, pb = min(gs) * 1000, min(pool) * 1000
            print(f"{name:15} {pages:5d} {g:8.1f} {p:8.1f} {p / g:6.2f} {l:9.1f} {l / g:6.2f}"
                  f" {gc:7.1f} {lc:10.1f} {lc / gc:6.2f} {pc:8.1f} {pc / gc:6.2f}"
                  f" {gb:8.1f} {pb:9.1f} {pb / gb:6.2f}")
    renderer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--coding", default="MH", choices=["MH", "MR", "MMR"])
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    if not shutil.which("gs"):
        sys.exit("ghostscript (gs) is needed for the comparison: apt-get install ghostscript")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
