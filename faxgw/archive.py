"""Archive and retention: terminal faxes leave GET after a while; their files later still.

Records are kept for good (search finds them with ``archived: true``); only the document
files are deleted after the longer retention, since they are what holds patient data. The
webhook delivery log (outbox events, deliveries, attempts) is deleted after
``[webhooks] keep_delivery_log_days``, and never later than the files: each event carries
the fax object (number, metadata). Events still pending delivery are never deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

from faxgw.config import ArchiveConfig, Config
from faxgw.state_dir import StateDir
from faxgw.store import Store
from faxgw.store.rows import now_ms

log = logging.getLogger(__name__)
DAY_MS = 86_400_000


@dataclass(frozen=True)
class ArchiveRun:
    archived: int
    purged: int
    events_purged: int = 0


async def archive_once(
    store: Store, state_dir: Path, cfg: ArchiveConfig, now: int | None = None,
    keep_delivery_log_days: float | None = None,
) -> ArchiveRun:
    """One pass. ``keep_delivery_log_days`` None: the delivery log follows the files' age."""
    now = now_ms() if now is None else now
    archived = 0
    while n := await store.archive_terminal(now - int(cfg.archive_after_days * DAY_MS)):
        archived += n
    purged = 0
    while ids := await store.purge_candidates(now - int(cfg.purge_files_after_days * DAY_MS)):
        for fax_id in ids:
            # Files first, then the mark: a crash in between only repeats a deletion.
            await asyncio.to_thread(shutil.rmtree, StateDir(state_dir).fax_folder(fax_id), True)
            await store.mark_purged(fax_id)
        purged += len(ids)
    received = await archive_received_once(store, state_dir, cfg, now)
    archived, purged = archived + received.archived, purged + received.purged
    keep_days = cfg.purge_files_after_days
    if keep_delivery_log_days is not None:
        keep_days = min(keep_days, keep_delivery_log_days)
    events_purged = 0
    # One bounded transaction per batch, so the API's writes interleave with a large purge.
    while n := await store.purge_delivery_log(now - int(keep_days * DAY_MS)):
        events_purged += n
    return ArchiveRun(archived, purged, events_purged)


async def archive_received_once(store: Store, state_dir: Path, cfg: ArchiveConfig,
                                now: int) -> ArchiveRun:
    """Received faxes under the same rules: ended calls leave GET after
    ``archive_after_days``; their page files go after ``purge_files_after_days``."""
    from faxgw.store.received import ReceivedStore

    received = ReceivedStore(store.db)
    archived = 0
    while n := await received.archive_ended(now - int(cfg.archive_after_days * DAY_MS)):
        archived += n
    purged = 0
    while rows := await received.purge_candidates(now - int(cfg.purge_files_after_days * DAY_MS)):
        for row in rows:
            await asyncio.to_thread(shutil.rmtree, state_dir / row["folder"], True)
            await received.mark_purged(row["id"])
        purged += len(rows)
    return ArchiveRun(archived, purged)


async def archive_loop(
    store: Store, state_dir: Path, cfg: ArchiveConfig, keep_delivery_log_days: float | None = None,
) -> None:
    while True:
        try:
            run = await archive_once(store, state_dir, cfg, keep_delivery_log_days=keep_delivery_log_days)
            if run.archived or run.purged or run.events_purged:
                log.info("archived %d faxes, purged files of %d, deleted %d old webhook events",
                         run.archived, run.purged, run.events_purged)
        except Exception:
            log.exception("archive run failed; trying again next interval")
        await asyncio.sleep(cfg.interval_s)


@contextlib.asynccontextmanager
async def running_archive(store: Store, config: Config) -> AsyncIterator[None]:
    """The archive loop as a task while the daemon runs."""
    task = asyncio.create_task(archive_loop(store, config.state_dir, config.archive,
                                            config.webhooks.keep_delivery_log_days))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def sweep_orphans(store: Store, state_dir: Path) -> list[str]:
    """At start, before requests: fax folders without a fax row are deleted.

    A crash between moving a submission's folder into faxes/ and committing its row leaves
    documents nobody can reach (and nobody would ever purge). Only safe while no request
    runs, since a submission in flight has exactly that shape.
    """
    folder = StateDir(state_dir).faxes
    names = await asyncio.to_thread(lambda: [e.name for e in os.scandir(folder) if e.is_dir()])
    if not names:
        return []
    known = await store.existing_fax_ids(names)
    orphans = [n for n in names if n not in known]
    for name in orphans:
        await asyncio.to_thread(shutil.rmtree, folder / name, True)
    if orphans:
        log.warning("removed %d document folders of submissions that never committed", len(orphans))
    return orphans
