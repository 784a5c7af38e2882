"""The received-fax store on a real SQLite file: the migration that lets the outbox carry
received faxes keeps existing webhook deliveries; search filters and pages by keyset; a
tenant's actions never touch another tenant's fax."""

import sqlite3

from faxgw.inbound.routing import InboundConfig
from faxgw.inbound.service import InboundService, LineInfo
from faxgw.outcome import Outcome
from faxgw.session import SessionResult
from faxgw.store import Store
from faxgw.store.db import migrations
from faxgw.store.received import ReceivedQuery, ReceivedStore


async def test_the_outbox_migration_keeps_deliveries_and_takes_received_ids(tmp_path):
    path = tmp_path / "faxgw.sqlite3"
    old = sqlite3.connect(path, isolation_level=None)
    old.execute("PRAGMA foreign_keys = ON")
    old.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_ms INTEGER)")
    for version, script in migrations():
        if version < 4:
            old.executescript(script)
            old.execute("INSERT INTO schema_migrations VALUES (?, 0)", (version,))
    old.executescript("""
        INSERT INTO tenants VALUES ('t', 'T', 0);
        INSERT INTO faxes (id, tenant_id, status, phone_number, resolution, document_count,
                           auto_retries_left, created_ms, updated_ms)
            VALUES ('f', 't', 'FaxSent', '1', 'fine', 1, 0, 0, 0);
        INSERT INTO outbox (event_id, tenant_id, fax_id, seq, type, created_ms, payload)
            VALUES ('e', 't', 'f', 1, 'faxgw.fax.FaxSent', 0, '{}');
        INSERT INTO webhook_deliveries (event_id, endpoint_id, tenant_id, fax_id, created_ms,
                                        next_attempt_ms) VALUES (1, 'ep', 't', 'f', 0, 0);
    """)
    old.close()
    store = await Store.open(tmp_path)
    try:
        assert len(await store.db.fetchall("SELECT * FROM webhook_deliveries")) == 1
        async with store.db.write() as conn:  # a received fax's id is a valid subject now
            await conn.execute("INSERT INTO outbox (event_id, tenant_id, fax_id, seq, type, "
                               "created_ms, payload) VALUES ('e2', 't', 'r', 1, 'x', 0, '{}')")
        check = await store.db.fetchall("PRAGMA foreign_key_check")
        assert check == []
        integrity = await store.db.fetchone("PRAGMA integrity_check")
        assert integrity[0] == "ok"
    finally:
        await store.close()


async def _received(service: InboundService, modem: str, ident: str) -> str:
    call = await service.answer(modem, LineInfo())
    await call.finish(SessionResult(direction="receive", outcome=Outcome.PROTOCOL_ERROR,
                                    remote_ident=ident))
    return call.id


async def test_search_filters_pages_and_keeps_tenants_apart(tmp_path):
    store = await Store.open(tmp_path)
    try:
        a, _ = await store.create_tenant("a")
        b, _ = await store.create_tenant("b")
        received = ReceivedStore(store.db)
        to_a = InboundService(received, tmp_path, InboundConfig(default_tenant=a))
        to_b = InboundService(received, tmp_path, InboundConfig(default_tenant=b))
        ids = [await _received(to_a, "in1", f"+1 555 01{n:02d}") for n in range(5)]
        theirs = await _received(to_b, "in1", "+1 555 0100")

        seen, after = [], (-1, "")
        while True:
            page, last = await received.search(ReceivedQuery(a, limit=2, after=after))
            seen += [f["receivedId"] for f in page]
            if last is None:
                break
            after = last
        assert seen == ids  # oldest first, every one once, none of b's
        hits, _ = await received.search(ReceivedQuery(a, sender="0103"))
        assert [f["receivedId"] for f in hits] == [ids[3]]
        hits, _ = await received.search(ReceivedQuery(a, sender="%"))  # LIKE characters are literal
        assert hits == []
        assert all(f["status"] == "failed" for f in page)  # not one page arrived

        assert await received.get(a, theirs) is None
        assert not await received.mark_read(a, theirs)
        assert await received.delete(a, theirs) is None
        assert (await received.get(b, theirs))["object"]["read"] is False
        assert await received.mark_read(a, ids[0])
        unread, _ = await received.search(ReceivedQuery(a, unread_only=True))
        assert [f["receivedId"] for f in unread] == ids[1:]
    finally:
        await store.close()


async def test_received_faxes_follow_the_archive_and_retention_rules(tmp_path):
    from faxgw.archive import DAY_MS, archive_once
    from faxgw.config import ArchiveConfig
    from faxgw.store.rows import now_ms

    store = await Store.open(tmp_path)
    try:
        a, _ = await store.create_tenant("a")
        received = ReceivedStore(store.db)
        service = InboundService(received, tmp_path, InboundConfig(default_tenant=a))
        rid = await _received(service, "in1", "1")
        folder = tmp_path / "received" / rid
        assert (folder / "fax.json").exists()
        cfg = ArchiveConfig(archive_after_days=1, purge_files_after_days=2)
        await archive_once(store, tmp_path, cfg, now=now_ms() + DAY_MS // 2)
        assert await received.get(a, rid) is not None  # too young
        await archive_once(store, tmp_path, cfg, now=now_ms() + DAY_MS + 1000)
        assert await received.get(a, rid) is None  # archived: gone from GET ...
        [found], _ = await received.search(ReceivedQuery(a))
        assert found["archived"] and not found["filesDeleted"] and folder.exists()
        await archive_once(store, tmp_path, cfg, now=now_ms() + 2 * DAY_MS + 1000)
        [found], _ = await received.search(ReceivedQuery(a))  # ... the record stays
        assert found["filesDeleted"] and not folder.exists()
    finally:
        await store.close()
