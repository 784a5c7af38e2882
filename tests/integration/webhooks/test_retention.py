"""Retention of the webhook delivery log by the archive task, on a real SQLite store.

The events are made by real status changes and fanned out by the real ledger; only their
times and delivery outcomes are set with SQL, to put them in the past without waiting.
"""

from __future__ import annotations

import sqlite3

import pytest

from faxgw.archive import DAY_MS, archive_once
from faxgw.config import ArchiveConfig
from faxgw.store import Document, NewFax, Store
from faxgw.store.rows import now_ms
from faxgw.webhooks.ledger import DeliveryLedger

FILES = ArchiveConfig(archive_after_days=30, purge_files_after_days=90)


@pytest.fixture
async def store(tmp_path):
    s = await Store.open(tmp_path)
    yield s
    await s.close()


def sql(tmp_path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "faxgw.sqlite3", isolation_level=None)


async def new_fax(store, tenant, n=[0]) -> str:
    n[0] += 1
    fax_id = f"00000000-0000-4000-9000-{n[0]:012d}"
    doc = Document(1, "pdf", "a.pdf", 10, "0" * 64, f"faxes/{fax_id}/1.pdf")
    await store.submit(NewFax(fax_id, tenant, "+15551234567", [doc]))
    return fax_id


def age(db, fax_id: str, days: float) -> None:
    """The fax's events (and their deliveries) as if they happened `days` ago."""
    then = now_ms() - int(days * DAY_MS)
    db.execute("UPDATE outbox SET created_ms = ? WHERE fax_id = ?", (then, fax_id))
    db.execute("UPDATE webhook_deliveries SET created_ms = ?, finished_ms = ? WHERE fax_id = ?",
               (then, then, fax_id))


def finish(db, fax_id: str, state: str) -> None:
    """Every delivery of the fax ends in `state`, after one recorded attempt."""
    db.execute("UPDATE webhook_deliveries SET state = ?, attempts = 1 WHERE fax_id = ?", (state, fax_id))
    db.execute(
        "INSERT INTO webhook_attempts (event_id, endpoint_id, number, started_ms, duration_ms, status_code)"
        " SELECT event_id, endpoint_id, 1, created_ms, 5.0, 500 FROM webhook_deliveries WHERE fax_id = ?",
        (fax_id,))


def counts(db, fax_id: str) -> tuple[int, int, int]:
    """(outbox events, deliveries, attempts) of the fax."""
    return tuple(db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", (fax_id,)).fetchone()[0]
                 for table, where in (
                     ("outbox", "fax_id = ?"),
                     ("webhook_deliveries", "fax_id = ?"),
                     ("webhook_attempts", "event_id IN (SELECT id FROM outbox WHERE fax_id = ?)")))


async def fanned_out(store) -> None:
    ledger = DeliveryLedger(store.db)
    while await ledger.fan_out(now_ms()):
        pass


async def test_old_finished_deliveries_go_but_pending_unread_and_recent_ones_stay(store, tmp_path):
    tenant, _ = await store.create_tenant("clinic")
    await store.create_endpoint(tenant, "http://127.0.0.1:9/a", ["FaxReceived", "FaxHeld"], None)
    await store.create_endpoint(tenant, "http://127.0.0.1:9/b", ["FaxReceived"], None)
    delivered, given_up, pending, recent = [await new_fax(store, tenant) for _ in range(4)]
    for fax_id in (delivered, given_up, pending, recent):
        await store.hold(tenant, fax_id)
    await fanned_out(store)
    # Written after the fan-out ran: not read by it yet, so with no delivery at all.
    unread = await new_fax(store, tenant)
    with sql(tmp_path) as db:
        finish(db, delivered, "delivered")
        finish(db, given_up, "given_up")
        finish(db, recent, "delivered")
        # One of the pending fax's two events was delivered, the other failed once and
        # still waits for its retry.
        finish(db, pending, "delivered")
        db.execute("UPDATE webhook_deliveries SET state = 'pending' WHERE fax_id = ? AND event_id ="
                   " (SELECT MAX(id) FROM outbox WHERE fax_id = ?)", (pending, pending))
        for fax_id in (delivered, given_up, pending, unread):
            age(db, fax_id, 100)
        age(db, recent, 10)
        before = {f: counts(db, f) for f in (delivered, given_up, pending, recent, unread)}
    assert before[delivered] == (2, 3, 3)  # FaxReceived to both endpoints, FaxHeld to one

    run = await archive_once(store, tmp_path, FILES, keep_delivery_log_days=90)

    with sql(tmp_path) as db:
        assert counts(db, delivered) == (0, 0, 0)
        assert counts(db, given_up) == (0, 0, 0)
        # Its delivered first event goes; the pending one stays with its attempt.
        assert counts(db, pending) == (1, 1, 1)
        assert db.execute("SELECT state FROM webhook_deliveries WHERE fax_id = ?",
                          (pending,)).fetchall() == [("pending",)]
        assert counts(db, recent) == before[recent]
        assert counts(db, unread) == (1, 0, 0)
        # The records stay: the faxes and their history are not part of the delivery log.
        assert db.execute("SELECT COUNT(*) FROM faxes").fetchone()[0] == 5
        assert db.execute("SELECT COUNT(*) FROM fax_history").fetchone()[0] == 9
    assert run.events_purged == 5


async def test_the_purge_runs_in_bounded_batches_until_done(store, tmp_path):
    tenant, _ = await store.create_tenant("clinic")
    await store.create_endpoint(tenant, "http://127.0.0.1:9/a", ["FaxReceived", "FaxHeld"], None)
    faxes = [await new_fax(store, tenant) for _ in range(5)]
    await fanned_out(store)
    with sql(tmp_path) as db:
        for fax_id in faxes:
            finish(db, fax_id, "delivered")
            age(db, fax_id, 100)
    cutoff = now_ms() - 90 * DAY_MS
    assert await store.purge_delivery_log(cutoff, batch=2) == 2
    with sql(tmp_path) as db:
        assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 3
    run = await archive_once(store, tmp_path, FILES)
    assert run.events_purged == 3
    with sql(tmp_path) as db:
        assert db.execute("SELECT COUNT(*) FROM webhook_attempts").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM webhook_deliveries").fetchone()[0] == 0


@pytest.mark.parametrize("keep_days, files_days, purged", [
    (7, 90, True),    # the setting is shorter than the files' retention: it decides
    (30, 90, False),
    (365, 15, True),  # never kept longer than the documents themselves
    (None, 15, True),  # no setting: the files' retention
    (None, 90, False),
])
async def test_the_age_is_the_setting_but_never_past_the_files(store, tmp_path, keep_days, files_days, purged):
    tenant, _ = await store.create_tenant("clinic")
    await store.create_endpoint(tenant, "http://127.0.0.1:9/a", ["FaxReceived"], None)
    fax_id = await new_fax(store, tenant)
    await fanned_out(store)
    with sql(tmp_path) as db:
        finish(db, fax_id, "delivered")
        age(db, fax_id, 20)
    cfg = ArchiveConfig(archive_after_days=files_days, purge_files_after_days=files_days)
    await archive_once(store, tmp_path, cfg, keep_delivery_log_days=keep_days)
    with sql(tmp_path) as db:
        assert counts(db, fax_id) == ((0, 0, 0) if purged else (1, 1, 1))


async def test_the_purge_uses_the_created_index(store, tmp_path):
    with sql(tmp_path) as db:
        plan = db.execute("EXPLAIN QUERY PLAN " + store.db.q["delivery_log_purge"],
                          {"before_ms": 0, "batch": 10}).fetchall()
    assert any("outbox_created" in row[-1] for row in plan), plan
