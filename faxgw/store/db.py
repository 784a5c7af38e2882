"""SQLite plumbing: connections, pragmas, numbered migrations, named queries, transactions.

Two aiosqlite connections per process: one writer, used only inside ``write()`` transactions
under an asyncio lock, and one reader. A read must never share the writer's connection: on
one connection it would see another coroutine's uncommitted (and maybe rolled back) rows.
WAL lets the reader run while the writer holds its transaction. Several processes (the
daemon, ``faxgw tenant create``, a test) may open the same file: ``BEGIN IMMEDIATE`` plus a
busy timeout serialises their writers, and conditional updates decide races.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import AsyncIterator, Callable, TypeVar

import aiosqlite

from faxgw import lifecycle

T = TypeVar("T")
BUSY_TIMEOUT_MS = 10_000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_FROM = re.compile(r"\{from:([a-z_]+)\}")
_TO = re.compile(r"\{to:([a-z_]+)\}")
_QUERY_HEADER = re.compile(r"^-- name: ([a-z0-9_]+)\s*$", re.MULTILINE)


def load_queries(filename: str = "queries.sql") -> dict[str, str]:
    """The named queries of one of the store's .sql files: each block starts with
    ``-- name: <name>``; ``{from:action}`` and ``{to:action}`` stand for the lifecycle's
    statuses."""
    text = resources.files(__package__).joinpath(filename).read_text("utf-8")
    text = _FROM.sub(lambda m: _sql_list(lifecycle.sources(lifecycle.Action(m.group(1)))), text)
    text = _TO.sub(lambda m: f"'{lifecycle.TRANSITIONS[lifecycle.Action(m.group(1))].target.value}'", text)
    parts = _QUERY_HEADER.split(text)
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts), 2)}


def _sql_list(statuses: frozenset) -> str:
    # In the Status declaration order, the order the partial indexes of the schema use:
    # SQLite uses a partial index only when the query's IN list matches it term for term.
    ordered = [s for s in lifecycle.Status if s in statuses]
    return "(" + ", ".join(f"'{s.value}'" for s in ordered) + ")"


def migrations() -> list[tuple[int, str]]:
    folder = resources.files(__package__).joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.read_text("utf-8")))
    return sorted(found)


async def _connect(path: Path, *, readonly: bool) -> aiosqlite.Connection:
    # isolation_level=None: no implicit transactions; every write says BEGIN IMMEDIATE.
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA foreign_keys = ON")
    if readonly:
        await conn.execute("PRAGMA query_only = ON")
    else:
        await conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit is on disk before we answer 201 (a power cut loses nothing acked).
        await conn.execute("PRAGMA synchronous = FULL")
    return conn


async def _migrate(conn: aiosqlite.Connection) -> None:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_ms INTEGER)"
    )
    # Every migration not applied yet, not only those above the highest applied: branches
    # number their migrations independently (0004 may land after 0005 has run somewhere).
    async with conn.execute("SELECT version FROM schema_migrations") as cur:
        applied = {row[0] for row in await cur.fetchall()}
    for version, script in migrations():
        if version in applied:
            continue
        # executescript would commit on its own; the script runs inside our own transaction.
        await conn.executescript(
            "BEGIN IMMEDIATE;\n" + script + f"\nINSERT INTO schema_migrations VALUES ({version},"
            " CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));\nCOMMIT;"
        )


class LookupBusy(Exception):
    pass


def _batch_writer(path: Path) -> sqlite3.Connection:
    # The same settings as the aiosqlite writer (_connect): it writes the same way, under
    # the same lock, only from its own thread and without a thread trip per statement.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _point_reader(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 0")  # never stall the event loop
    conn.execute("PRAGMA query_only = ON")
    return conn


class Database:
    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._point = _point_reader(path)
        self._batch = _batch_writer(path)
        self._batch_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="faxgw-db-batch")
        self._lock = asyncio.Lock()
        self.q = load_queries()
        # Called after every COMMIT of write(): the webhook worker wakes up on new outbox rows.
        self.commit_listeners: list[Callable[[], None]] = []

    @classmethod
    async def open(cls, path: str | Path) -> "Database":
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path, readonly=False)
        try:
            await _migrate(writer)
            reader = await _connect(path, readonly=True)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    async def close(self) -> None:
        async with self._lock:  # no batch in flight
            self._batch_thread.shutdown(wait=True)
            self._batch.close()
        self._point.close()
        await self._reader.close()
        await self._writer.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction; commits on success, rolls back on any exception."""
        async with self._lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await asyncio.shield(self._writer.execute("ROLLBACK"))
                raise
            await asyncio.shield(self._writer.execute("COMMIT"))
            for listener in self.commit_listeners:
                listener()

    async def write_batch(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(conn)` as one write transaction, run whole in a writer thread.

        For many small statements in a row (a group commit of submissions): ``write()`` costs
        a trip to the aiosqlite thread and back per statement, this one trip in all. `work`
        is plain sqlite3 code; it must not touch the event loop. Serialised with ``write()``
        by the same lock; commits on success, rolls back on any exception.
        """
        async with self._lock:
            job = asyncio.get_running_loop().run_in_executor(self._batch_thread, self._transaction, work)
            try:
                result = await asyncio.shield(job)
            except asyncio.CancelledError:
                await asyncio.wait([job])  # hold the lock until the transaction has ended
                raise
        for listener in self.commit_listeners:
            listener()
        return result

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        self._batch.execute("BEGIN IMMEDIATE")
        try:
            result = work(self._batch)
        except BaseException:
            self._batch.execute("ROLLBACK")
            raise
        self._batch.execute("COMMIT")
        return result

    def lookup(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        """A primary-key lookup, run right here on the event loop's thread.

        Such a read takes tens of microseconds, less than the hand-off to and from an
        aiosqlite thread costs; every GET makes one. Only for reads bounded to a row or a
        few: a search goes through fetchall. If the file is briefly locked (WAL recovery),
        the caller uses the thread reader instead (LookupBusy).
        """
        try:
            rows = self._point.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LookupBusy from exc
            raise
        return rows[0] if rows else None

    # execute_fetchall is one trip to the connection's thread; execute + fetch + close are three.
    async def fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        rows = await self._reader.execute_fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
        return list(await self._reader.execute_fetchall(sql, params))


async def one(conn: aiosqlite.Connection, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
    rows = await conn.execute_fetchall(sql, params)
    return rows[0] if rows else None


async def many(conn: aiosqlite.Connection, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
    return list(await conn.execute_fetchall(sql, params))
