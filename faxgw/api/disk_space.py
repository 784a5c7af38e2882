"""Free space on the state directory's filesystem, and the reserve below which nothing new
is accepted.

A full disk must not wedge the daemon: before it is full, submissions and other writes are
refused with 507 ``insufficient_storage`` (telling the free space and the reserve), /health
says so, and /metrics exports both numbers. The reserve leaves room for what must still be
written while new work is refused: the ends of calls in progress, their events, received
faxes. A write that hits the disk's end anyway (ENOSPC, SQLite's "database or disk is
full") gets the same 507 instead of a 500.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from faxgw.api.errors import ApiError

# statvfs is cheap, but a busy API asks on every write: one look per second is enough.
CACHE_S = 1.0
_cache: dict[Path, tuple[float, int]] = {}


@dataclass(frozen=True)
class Space:
    free_bytes: int
    reserve_bytes: int

    @property
    def low(self) -> bool:
        return self.free_bytes < self.reserve_bytes

    def refusal(self) -> ApiError:
        return ApiError(507, "insufficient_storage",
                        f"The server's disk has {self.free_bytes} bytes free, below its reserve of "
                        f"{self.reserve_bytes}: nothing new is accepted until space is freed.",
                        freeBytes=self.free_bytes, reserveBytes=self.reserve_bytes)

    def exposition(self) -> bytes:
        """Prometheus text lines for GET /metrics."""
        return (b"# HELP faxgw_storage_free_bytes Free bytes on the state directory's filesystem\n"
                b"# TYPE faxgw_storage_free_bytes gauge\n"
                + f"faxgw_storage_free_bytes {self.free_bytes}\n".encode()
                + b"# HELP faxgw_storage_reserve_bytes Free bytes below which writes are refused\n"
                b"# TYPE faxgw_storage_reserve_bytes gauge\n"
                + f"faxgw_storage_reserve_bytes {self.reserve_bytes}\n".encode()
                + b"# HELP faxgw_storage_low 1 while the free space is below the reserve\n"
                b"# TYPE faxgw_storage_low gauge\n"
                + f"faxgw_storage_low {int(self.low)}\n".encode())


def space_of(root: Path, reserve_bytes: int, fresh: bool = False) -> Space:
    now = time.monotonic()
    cached = _cache.get(root)
    if fresh or cached is None or now - cached[0] >= CACHE_S:
        info = os.statvfs(root)
        cached = (now, info.f_bavail * info.f_frsize)
        _cache[root] = cached
    return Space(cached[1], reserve_bytes)


def is_disk_full(exc: BaseException) -> bool:
    """An error that says the disk (or the database's file) is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)
    return False
