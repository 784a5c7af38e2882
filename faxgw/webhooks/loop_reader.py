"""Short reads of the delivery ledger run right on the event loop's thread.

The worker reads the heads of line at every turn. Handed to an aiosqlite thread, that
read waits for the GIL at both ends while the loop is busy with HTTP responses: measured
at 5 to 10 ms a read under load, against well under a millisecond of SQLite work, and a
turn is waiting on it. A LIMITed walk of an index usually costs less than the hand-off, so
it runs here, on a read-only connection of its own.

A walk can still be long (thousands of pending rows queued behind a receiver that is
down). A progress handler stops any read that used ``BUDGET_S`` of CPU (CPU, not wall
time: on a busy machine a cheap read can be preempted for longer than that); that read
and the reads of the next ``OFF_LOOP_S`` seconds go to the store's thread reader instead,
so the loop is never held for more than the budget. The same happens when the file is
briefly locked.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from faxgw.store.db import Database

log = logging.getLogger(__name__)

BUDGET_S = 0.004  # a read of 64 heads: p99 1.2 ms, max 2.2 ms of CPU on a loaded machine
OFF_LOOP_S = 10.0
PROGRESS_EVERY = 2000  # SQLite VM instructions between looks at the clock


class LoopReader:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: sqlite3.Connection | None = None
        self._deadline = 0.0
        self._off_loop_until = 0.0

    async def fetchall(self, sql: str, params: dict[str, Any]) -> list:
        if time.monotonic() >= self._off_loop_until:
            try:
                return self._fetch_here(sql, params)
            except sqlite3.OperationalError as exc:  # over budget, or locked
                log.info("reading the webhook heads off the loop for %.0f s: %s", OFF_LOOP_S, exc)
                self._off_loop_until = time.monotonic() + OFF_LOOP_S
        return await self._db.fetchall(sql, params)

    def _fetch_here(self, sql: str, params: dict[str, Any]) -> list:
        conn = self._conn or self._connect()
        self._deadline = time.thread_time() + BUDGET_S
        return conn.execute(sql, params).fetchall()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._db.path, isolation_level=None, check_same_thread=True)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 0")  # never wait on the loop
        conn.execute("PRAGMA query_only = ON")
        conn.set_progress_handler(self._over_budget, PROGRESS_EVERY)
        self._conn = conn
        return conn

    def _over_budget(self) -> int:
        return 1 if time.thread_time() > self._deadline else 0  # non-zero interrupts the read

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
