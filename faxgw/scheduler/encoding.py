"""Coding pages for the line in worker processes, not threads.

The session asks for each page from a worker thread, but the G3 codec's kernels (numba)
hold the GIL while they run: sixteen calls decoding ``pages.tif`` and coding pages in
threads stalled the event loop (p99 lag 131 ms in the scheduler benchmark). Here the
thread only waits for a process, which frees the GIL for the loop.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from faxgw.documents.options import HeaderLine
from faxgw.documents.pool import start_owned_worker
from faxgw.documents.sending import StoredPages
from faxgw.session import PageFormat, PageSourceLost

_OPEN_FAXES = 32  # per worker: the stored pages of the faxes in calls now, decoded once
_cache: "OrderedDict[str, StoredPages]" = OrderedDict()


def _encode(path: str, stored_index: int, fmt: PageFormat, header: HeaderLine | None = None) -> bytes:
    pages = _cache.pop(path, None) or StoredPages(Path(path))
    _cache[path] = pages
    while len(_cache) > _OPEN_FAXES:
        _cache.popitem(last=False)
    return pages.code_page(stored_index, fmt, header)


def _init_worker(owner_pid: int) -> None:
    # First: a worker must not outlive a SIGKILLed daemon (it would hold its stdout and
    # keep the fork server alive), nor die of the terminal's Ctrl-C; then compile the codec
    # before the first call needs it.
    start_owned_worker(owner_pid)
    from faxgw.documents.header import strip_image
    from faxgw.documents.geometry import Resolution
    from faxgw.g3 import warm_up

    warm_up()
    strip_image("warm up", Resolution.FINE)  # loads the header's font before a call waits


class PageEncoder:
    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        # forkserver, as the documents pool: a fork would copy the daemon's loop and threads.
        self._executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
            initializer=_init_worker, initargs=(os.getpid(),))

    def warm_up(self) -> None:
        """Start the workers (blocking: call it in a thread)."""
        for future in [self._executor.submit(int) for _ in range(self.workers)]:
            future.result()

    def source(self, path: Path, numbers: list[int], header: HeaderLine | None = None) -> "ProcessPages":
        return ProcessPages(self, path, numbers, header)

    def encode(self, path: Path, stored_index: int, fmt: PageFormat, header: HeaderLine | None = None) -> bytes:
        try:
            return self._executor.submit(_encode, str(path), stored_index, fmt, header).result()
        except (BrokenProcessPool, RuntimeError) as exc:
            # RuntimeError: submit after shutdown. Either way the worker is gone, not the page.
            raise PageSourceLost(f"the page coder is gone ({type(exc).__name__}: {exc})") from exc

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class ProcessPages:
    """``PageSource``: pages ``numbers`` (1-based) of a stored fax, coded in a process."""

    def __init__(self, encoder: PageEncoder, path: Path, numbers: list[int],
                 header: HeaderLine | None = None) -> None:
        meta = StoredPages(path, only=[n - 1 for n in numbers])  # reads the page table only
        self.encoder, self.path, self.numbers, self.header = encoder, path, numbers, header
        self.page_count, self.resolution, self.width_px = \
            meta.page_count, meta.resolution, meta.width_px

    def encode(self, index: int, fmt: PageFormat) -> bytes:
        return self.encoder.encode(self.path, self.numbers[index] - 1, fmt, self.header)
