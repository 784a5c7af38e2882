"""fax_status_counts (migration 0005), the table the faxgw_faxes gauge and the queue depth
read: after every kind of change it equals a full count of the faxes, on a real SQLite file."""

from __future__ import annotations

import sqlite3

from faxgw.api.status import faxes_by_status, queue_depth
from faxgw.archive import archive_once
from faxgw.config import ArchiveConfig
from faxgw.store import AttemptResult, Document, NewFax, Store
from faxgw.store.rows import now_ms

BUSY = AttemptResult(success=False, outcome="busy", failed_reason="busy", retry_delay_s=120)
DB = "faxgw.sqlite3"


def full_count(path) -> dict[str, int]:
    """What the gauge used to compute: a scan of every fax."""
    with sqlite3.connect(path / DB) as db:
        return dict(db.execute("SELECT status, COUNT(*) FROM faxes "
                               "WHERE archived_ms IS NULL GROUP BY status"))


async def counted(store) -> dict[str, int]:
    return {s: n for s, n in (await faxes_by_status(store)).items() if n}


async def submit(store, tenant, n: int) -> str:
    fax_id = f"00000000-0000-4000-8000-{n:012d}"
    doc = Document(1, "pdf", "a.pdf", 10, "0" * 64, f"faxes/{fax_id}/1.pdf")
    await store.submit(NewFax(fax_id, tenant, f"+1555000{n:04d}", [doc]))
    return fax_id


async def test_counts_follow_every_change_and_equal_a_full_scan(tmp_path):
    store = await Store.open(tmp_path, max_automatic_retries=1)
    try:
        tenant, _ = await store.create_tenant("a")
        ids = [await submit(store, tenant, n) for n in range(6)]
        assert await counted(store) == full_count(tmp_path) == {"FaxReceived": 6}
        assert await queue_depth(store) == 6

        await store.hold(tenant, ids[0])
        await store.revive(tenant, ids[0])
        await store.hold(tenant, ids[1])
        await store.stop(tenant, ids[2])                      # -> FaxCancelled
        sent = await store.start_attempt(ids[3], "m0")
        await store.set_page_count(ids[3], 2)                 # an update that is no move
        await store.finish_attempt(sent.attempt_id, AttemptResult(success=True, outcome="success"))
        for _ in range(2):                                    # busy twice -> FaxFailed
            claim = await store.start_attempt(ids[4], "m0")
            await store.finish_attempt(claim.attempt_id, BUSY)
        await store.retry(tenant, ids[4])                     # -> FaxRetry
        await store.start_attempt(ids[5], "m0")               # in a call
        expected = {"FaxReceived": 1, "FaxHeld": 1, "FaxCancelled": 1, "FaxSent": 1,
                    "FaxRetry": 1, "FaxAttemptInitiated": 1}
        assert await counted(store) == full_count(tmp_path) == expected
        assert await queue_depth(store) == 2                  # FaxReceived + FaxRetry

        # Archived faxes leave the gauge, as they leave GET.
        run = await archive_once(store, tmp_path, ArchiveConfig(archive_after_days=1),
                                 now=now_ms() + 2 * 86_400_000)
        assert run.archived == 2                              # the sent and the cancelled one
        assert await counted(store) == full_count(tmp_path) == {
            "FaxReceived": 1, "FaxHeld": 1, "FaxRetry": 1, "FaxAttemptInitiated": 1}
        assert (await faxes_by_status(store))["FaxSent"] == 0  # reported, at 0
    finally:
        await store.close()


async def test_the_migration_counts_the_faxes_already_there(tmp_path):
    """A box upgraded with faxes in its store starts with the right numbers."""
    store = await Store.open(tmp_path)
    tenant, _ = await store.create_tenant("a")
    for n in range(3):
        await submit(store, tenant, n)
    await store.close()
    with sqlite3.connect(tmp_path / DB) as db:  # back to the schema before migration 0005
        db.executescript("DROP TABLE fax_status_counts; DROP TRIGGER fax_status_counts_insert;"
                         "DROP TRIGGER fax_status_counts_update;"
                         "DROP TRIGGER fax_status_counts_delete;"
                         "DELETE FROM schema_migrations WHERE version = 5;")
    store = await Store.open(tmp_path)
    try:
        assert await counted(store) == {"FaxReceived": 3}
        await submit(store, tenant, 9)
        assert await counted(store) == full_count(tmp_path) == {"FaxReceived": 4}
    finally:
        await store.close()


async def test_a_deleted_fax_leaves_the_counts(tmp_path):
    store = await Store.open(tmp_path)
    try:
        tenant, _ = await store.create_tenant("a")
        fax_id = await submit(store, tenant, 1)
        await submit(store, tenant, 2)
        async with store.db.write() as conn:  # faxgw never deletes a fax; a person might
            await conn.execute("DELETE FROM faxes WHERE id = ?", (fax_id,))
        assert await counted(store) == full_count(tmp_path) == {"FaxReceived": 1}
    finally:
        await store.close()
