"""A process pool that survives its workers.

concurrent.futures marks a whole pool broken when one worker dies, failing every task in
it. Here a broken pool is replaced at once, and each task that was in it is run again alone,
in a one-worker pool of its own: a task that kills its worker there too is the culprit and
fails with RENDER_CRASHED; the innocent ones succeed. A task over its time limit has its
pool's workers killed and fails with RENDER_TIMEOUT (its neighbours are retried as above).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import select
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from .errors import DocumentError, ErrorCode

# Workers import the heavy libraries once, in the fork server, not per task.
_PRELOAD = ["faxgw.documents._preload"]


def _init_worker(max_bytes: int | None, nice: int, owner_pid: int) -> None:
    """A hostile document should kill its worker, not the box: cap the address space
    (1.5 GiB by default; a warm worker maps about 0.5 GiB, mostly the codec's compiler)."""
    start_owned_worker(owner_pid)
    if max_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    if nice:
        os.nice(nice)


def start_owned_worker(owner_pid: int) -> None:
    """Call first in the initializer of EVERY worker pool of the daemon: the worker leaves
    the terminal's signals to the daemon, and exits when the daemon does, however the
    daemon ends (see _exit_with)."""
    _leave_the_terminal()
    threading.Thread(target=_exit_with, args=(owner_pid,), daemon=True, name="owner-watch").start()


def _leave_the_terminal() -> None:
    """Ctrl-C (and Ctrl-\\, Ctrl-Z) in a terminal signal its whole foreground process group:
    the daemon, its fork server and every worker. The daemon stops gracefully on SIGINT and
    ends its workers itself; a worker killed by the keystroke mid-page would fail the call.
    So the worker moves to a process group of its own, and ignores SIGINT for the instant
    before it did."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.setpgid(0, 0)
    except OSError:
        pass  # a session leader already (cannot happen under the fork server); SIG_IGN holds


def _exit_with(owner_pid: int) -> None:
    """End this worker when the daemon that owns the pool dies (SIGKILL, power cut of the
    process): concurrent.futures workers would otherwise wait for work forever, and keep the
    fork server alive with them. The daemon is not our parent (the fork server is), so
    PR_SET_PDEATHSIG cannot do it; a pidfd becomes readable when the process ends."""
    try:
        descriptor = os.pidfd_open(owner_pid)
    except OSError:
        descriptor = None  # it is gone already, or a kernel without pidfd (< 5.3)
    if descriptor is not None:
        select.select([descriptor], [], [])
    else:
        while _alive(owner_pid):
            time.sleep(1.0)
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RenderPool:
    """Runs picklable functions in worker processes; ``await pool.run(fn, *args)``."""

    def __init__(self, workers: int | None = None, task_timeout_s: float = 300.0,
                 worker_memory_bytes: int | None = 3 << 29, nice: int = 0):
        self.workers = workers or min(2, os.cpu_count() or 1)
        self.task_timeout_s = task_timeout_s
        self._memory = worker_memory_bytes
        # Niceness for the workers. 0 by default: the scheduler already favours the event
        # loop, which sleeps most of the time, and test_pool shows its lag stays low; a
        # positive value makes rendering yield to every other process on the box.
        self._nice = nice
        # fork would copy the daemon's event loop, threads and sockets into the worker.
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(_PRELOAD)
        self._executor = self._new_executor(self.workers)

    def _new_executor(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=self._context,
                                   initializer=_init_worker, initargs=(self._memory, self._nice, os.getpid()))

    def warm_up(self, fn: Callable[[], Any] = os.getpid) -> None:
        """Start every worker now and run ``fn`` in it (call at daemon start, before the
        event loop serves), so the first fax does not pay for process start and imports."""
        for future in [self._executor.submit(fn) for _ in range(self.workers)]:
            future.result()

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        executor = self._executor
        try:
            return await self._run_in(executor, fn, args)
        except BrokenProcessPool:
            self._replace(executor)
        return await self._run_alone(fn, args)

    async def _run_in(self, executor: ProcessPoolExecutor, fn, args) -> Any:
        future = executor.submit(fn, *args)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.task_timeout_s)
        except MemoryError:
            raise DocumentError(ErrorCode.RENDER_CRASHED,
                                "the document needs more memory than a render worker may use") from None
        except asyncio.TimeoutError:
            self._kill(executor)
            raise DocumentError(ErrorCode.RENDER_TIMEOUT,
                                f"rendering took longer than {self.task_timeout_s:.0f} s and was stopped") from None

    async def _run_alone(self, fn, args) -> Any:
        solo = self._new_executor(1)
        try:
            return await self._run_in(solo, fn, args)
        except BrokenProcessPool:
            raise DocumentError(ErrorCode.RENDER_CRASHED,
                                "the renderer crashed on this document (damaged or hostile file?)") from None
        finally:
            solo.shutdown(wait=False, cancel_futures=True)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self._executor is broken:  # only the first task to notice replaces it
            self._executor = self._new_executor(self.workers)
        broken.shutdown(wait=False, cancel_futures=True)

    def _kill(self, executor: ProcessPoolExecutor) -> None:
        # concurrent.futures cannot cancel a running task; ending its workers is the only
        # way to stop a render that hangs. _processes is private but stable since 3.2.
        for process in list((executor._processes or {}).values()):
            process.kill()
        self._replace(executor)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    # --- one pool per process -----------------------------------------------------------
    # The API (validation, previews) and the scheduler (pages before a call) each make a
    # Renderer; two pools of two workers would put four renderers on the box's two cores.
    # Renderers made without their own pool share this one; the last to close ends it.
    _shared: "RenderPool | None" = None
    _shared_users = 0
    _shared_lock = threading.Lock()

    @classmethod
    def acquire_shared(cls) -> "RenderPool":
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            cls._shared_users += 1
            return cls._shared

    @classmethod
    def release_shared(cls) -> None:
        with cls._shared_lock:
            cls._shared_users -= 1
            if cls._shared_users > 0 or cls._shared is None:
                return
            pool, cls._shared = cls._shared, None
        pool.shutdown()
