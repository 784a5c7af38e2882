"""One delivery worker per database.

The worker keeps what it has in flight in its memory only (claims write nothing), so a
second worker on the same database would claim the same deliveries and POST every event
twice. Two daemons started on one state directory must therefore not both deliver: the
worker holds an exclusive ``flock`` on a file beside the database for as long as it runs,
and a second worker refuses to start, naming the process that holds it.

flock rather than a lease row in the database: the kernel drops the lock when its holder
dies, even by SIGKILL, so a crash never leaves a stale lease to wait out, and a restarted
daemon delivers at once.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from faxgw.state_dir import webhook_worker_lock


class WorkerLockHeld(RuntimeError):
    """Another process delivers the webhooks of this database."""


class WorkerLock:
    def __init__(self, database: Path) -> None:
        self.database = Path(database)
        self.path = webhook_worker_lock(self.database)
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise WorkerLockHeld(
                f"another faxgw process (pid {holder}) is already delivering the webhooks of "
                f"{self.database}; two daemons must not share a state directory "
                f"(lock file {self.path})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
