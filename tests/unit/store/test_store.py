"""The store through its own API, on a real SQLite file: claims, attempts, outbox, races."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from faxgw.lifecycle import TransitionRefused
from faxgw.store import AttemptResult, Document, NewFax, NotFound, Store
from faxgw.store.db import migrations
from faxgw.store.rows import now_ms
from faxgw.store.tenants import key_id

BUSY = AttemptResult(success=False, outcome="busy", failed_reason="The line was busy.", retry_delay_s=120)


@pytest.fixture
async def store(tmp_path):
    s = await Store.open(tmp_path, max_automatic_retries=5)
    yield s
    await s.close()


async def new_fax(store, tenant, number="+15551234567", n=[0]) -> str:
    n[0] += 1
    fax_id = f"00000000-0000-4000-8000-{n[0]:012d}"
    doc = Document(1, "pdf", "a.pdf", 10, "0" * 64, f"faxes/{fax_id}/1.pdf")
    await store.submit(NewFax(fax_id, tenant, number, [doc]))
    return fax_id


async def test_migrations_apply_once_and_reopen(tmp_path):
    s = await Store.open(tmp_path)
    await s.create_tenant("a")
    await s.close()
    s = await Store.open(tmp_path)  # a second open applies nothing again and keeps the data
    assert [t["name"] for t in await s.tenants()] == ["a"]
    await s.close()
    with sqlite3.connect(tmp_path / "faxgw.sqlite3") as db:
        versions = [v for (v,) in db.execute("SELECT version FROM schema_migrations")]
        assert versions == [v for v, _ in migrations()]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_api_key_is_stored_hashed(store, tmp_path):
    tenant, key = await store.create_tenant("a")
    assert await store.tenant_for_key(key) == tenant
    assert await store.tenant_for_key(key + "x") is None
    with sqlite3.connect(tmp_path / "faxgw.sqlite3") as db:
        assert key not in json.dumps(db.execute("SELECT * FROM api_keys").fetchall())


async def test_a_migration_numbered_below_the_last_applied_one_still_runs(tmp_path, monkeypatch):
    """Branches number migrations on their own: 0004 can arrive after 0005 has run."""
    from faxgw.store import db as dbmod

    known = migrations()
    late = max(v for v, _ in known) - 1
    monkeypatch.setattr(dbmod, "migrations", lambda: [m for m in known if m[0] != late])
    s = await Store.open(tmp_path)
    await s.close()
    monkeypatch.setattr(dbmod, "migrations", lambda: known)
    s = await Store.open(tmp_path)
    await s.close()
    with sqlite3.connect(tmp_path / "faxgw.sqlite3") as db:
        assert sorted(v for (v,) in db.execute("SELECT version FROM schema_migrations")) == [v for v, _ in known]


async def test_revoked_keys_and_rotation(store):
    tenant, first = await store.create_tenant("a")
    second = await store.add_api_key(tenant)
    assert await store.tenant_for_key(first) == tenant
    row = await store.revoke_api_key(key_id(first))
    assert row["revoked_ms"] <= now_ms()
    assert await store.tenant_for_key(first) is None and await store.tenant_for_key(second) == tenant
    # Rotation with a grace period: the old key works until then, and a later revocation of
    # it moves the end earlier, never later.
    third, until = await store.rotate_api_key(tenant, grace_s=60)
    assert until > now_ms() + 50_000
    assert await store.tenant_for_key(second) == tenant and await store.tenant_for_key(third) == tenant
    await store.revoke_api_key(key_id(first), at_ms=now_ms() + 10**9)
    keys = {k["key_id"]: k for k in await store.api_keys(tenant)}
    assert keys[key_id(first)]["revoked_ms"] == row["revoked_ms"]
    assert keys[key_id(second)]["revoked_ms"] == until and keys[key_id(third)]["revoked_ms"] is None
    await store.revoke_api_key(key_id(second))
    assert await store.tenant_for_key(second) is None
    fourth, _ = await store.rotate_api_key(tenant)
    assert await store.tenant_for_key(third) is None and await store.tenant_for_key(fourth) == tenant
    assert [t["key_count"] for t in await store.tenants()] == [1]
    with pytest.raises(KeyError, match="no API key"):
        await store.revoke_api_key("0" * 16)


async def test_find_tenant_by_id_or_unique_name(store):
    one, _ = await store.create_tenant("Praxis")
    assert (await store.find_tenant(one))["id"] == one
    assert (await store.find_tenant("Praxis"))["id"] == one
    await store.create_tenant("Praxis")
    with pytest.raises(KeyError, match="2 tenants are named 'Praxis'"):
        await store.find_tenant("Praxis")
    with pytest.raises(KeyError, match="no tenant"):
        await store.find_tenant("nobody")


async def test_outbox_event_is_a_cloudevent_with_the_fax(store):
    tenant, _ = await store.create_tenant("a")
    fax_id = await new_fax(store, tenant)
    await store.hold(tenant, fax_id)
    events = await store.outbox_after(0)
    payloads = [json.loads(e["payload"]) for e in events]
    assert [p["type"] for p in payloads] == ["faxgw.fax.FaxReceived", "faxgw.fax.FaxHeld"]
    assert [p["sequence"] for p in payloads] == [1, 2]
    p = payloads[1]
    assert p["specversion"] == "1.0" and p["datacontenttype"] == "application/json"
    assert p["id"] == events[1]["event_id"] and p["data"]["faxStatus"] == "FaxHeld"
    assert p["data"]["faxId"] == fax_id and p["source"].endswith(fax_id)


async def test_claim_takes_the_oldest_due_fax_and_never_a_number_in_a_call(store):
    tenant, _ = await store.create_tenant("a")
    first = await new_fax(store, tenant, "+111111111")
    same_number = await new_fax(store, tenant, "+111111111")
    other = await new_fax(store, tenant, "+222222222")
    c1 = await store.claim_next_job("m0")
    c2 = await store.claim_next_job("m1")
    assert (c1.fax_id, c2.fax_id) == (first, other)  # same_number waits: +111111111 is busy
    assert await store.claim_next_job("m2") is None
    await store.finish_attempt(c1.attempt_id, AttemptResult(success=True, outcome="sent"))
    assert (await store.claim_next_job("m0")).fax_id == same_number


async def test_retry_waits_for_its_backoff(store):
    tenant, _ = await store.create_tenant("a")
    fax_id = await new_fax(store, tenant)
    claim = await store.claim_next_job("m0")
    row = await store.finish_attempt(claim.attempt_id, BUSY)
    assert row["status"] == "FaxRetryAttempted" and row["next_attempt_ms"] >= now_ms() + 110_000
    assert await store.claim_next_job("m0") is None
    later = await store.claim_next_job("m0", now=now_ms() + 121_000)
    assert later.fax_id == fax_id and later.attempt_number == 2


async def test_six_attempts_then_failed_then_one_manual(store):
    tenant, _ = await store.create_tenant("a")
    fax_id = await new_fax(store, tenant)
    statuses = []
    for _ in range(6):
        claim = await store.start_attempt(fax_id, "m0")
        statuses.append((await store.finish_attempt(claim.attempt_id, BUSY))["status"])
    assert statuses == ["FaxRetryAttempted"] * 5 + ["FaxFailed"]
    assert await store.start_attempt(fax_id, "m0") is None  # FaxFailed is not queued
    await store.retry(tenant, fax_id)
    claim = await store.start_attempt(fax_id, "m0")
    assert claim.manual and claim.attempt_number == 7
    assert (await store.finish_attempt(claim.attempt_id, BUSY))["status"] == "FaxFailed"
    assert len(await store.attempts(fax_id)) == 7


async def test_confirmed_pages_survive_into_the_next_attempt(store):
    tenant, _ = await store.create_tenant("a")
    fax_id = await new_fax(store, tenant)
    claim = await store.start_attempt(fax_id, "m0")
    for page in (1, 2):
        await store.record_page_confirmed(claim.attempt_id, page)
    await store.finish_attempt(claim.attempt_id, AttemptResult(
        success=False, outcome="line_dropped", failed_reason="The line dropped at page 3.", pages_total=4))
    again = await store.start_attempt(fax_id, "m0")
    assert again.pages_confirmed == frozenset({1, 2})  # resend pages 3 and 4 only
    await store.finish_attempt(again.attempt_id, AttemptResult(success=True, outcome="sent", confirmed_pages=[3, 4]))
    assert await store.pages_confirmed(fax_id) == [1, 2, 3, 4]
    assert [a["pages_confirmed"] for a in await store.attempts(fax_id)] == [2, 2]


async def test_interrupted_attempts_are_closed_and_requeued(tmp_path):
    s = await Store.open(tmp_path)
    tenant, _ = await s.create_tenant("a")
    fax_id = await new_fax(s, tenant)
    await s.claim_next_job("m0")
    await s.close()  # as if the daemon died mid-call
    s = await Store.open(tmp_path)
    closed = await s.close_interrupted_attempts()
    [attempt] = await s.attempts(fax_id)
    assert closed == [attempt["id"]] and attempt["outcome"] == "interrupted"
    assert (await s.fax_row(fax_id))["status"] == "FaxRetryAttempted"
    await s.close()


async def test_a_second_open_attempt_is_refused_by_the_database(store, tmp_path):
    tenant, _ = await store.create_tenant("a")
    fax_id = await new_fax(store, tenant)
    await store.start_attempt(fax_id, "m0")
    with sqlite3.connect(tmp_path / "faxgw.sqlite3") as db, pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO attempts (id, fax_id, number, manual, started_ms) VALUES ('x', ?, 2, 0, 1)", (fax_id,))


async def test_actions_on_unknown_or_foreign_fax_are_not_found(store):
    a, _ = await store.create_tenant("a")
    b, _ = await store.create_tenant("b")
    fax_id = await new_fax(store, a)
    for action in (store.hold, store.revive, store.retry, store.stop, store.get_fax):
        with pytest.raises(NotFound):
            await action(b, fax_id)
    with pytest.raises(TransitionRefused):
        await store.revive(a, fax_id)


async def test_stop_racing_claim_has_exactly_one_winner(tmp_path):
    """Two connections (as two processes would have) race; the database decides."""
    client_side = await Store.open(tmp_path)
    scheduler_side = await Store.open(tmp_path)
    try:
        tenant, _ = await client_side.create_tenant("a")
        results = []
        for i in range(40):
            fax_id = await new_fax(client_side, tenant, f"+1555000{i:04d}")

            async def stop():
                try:
                    return await client_side.stop(tenant, fax_id)
                except TransitionRefused as exc:
                    assert exc.current.value == "FaxAttemptInitiated"
                    return None

            if i % 2:  # either side first into the event loop
                stopped, claimed = await asyncio.gather(stop(), scheduler_side.start_attempt(fax_id, "m0"))
            else:
                claimed, stopped = await asyncio.gather(scheduler_side.start_attempt(fax_id, "m0"), stop())
            assert (stopped is None) != (claimed is None), i
            final = (await client_side.fax_row(fax_id))["status"]
            assert final == ("FaxCancelled" if stopped else "FaxAttemptInitiated")
            results.append("stop" if stopped else "claim")
            if claimed:
                assert len(await client_side.attempts(fax_id)) == 1
            else:
                assert await client_side.attempts(fax_id) == []
        # Both sides must have won sometimes, or the race was not a race.
        assert set(results) == {"stop", "claim"}
    finally:
        await client_side.close()
        await scheduler_side.close()


async def test_two_claimers_never_take_the_same_fax(tmp_path):
    stores = [await Store.open(tmp_path) for _ in range(3)]
    try:
        tenant, _ = await stores[0].create_tenant("a")
        for i in range(12):
            await new_fax(stores[0], tenant, f"+1666000{i:04d}")
        claims = await asyncio.gather(*(s.claim_next_job(f"m{i}") for i in range(6) for s in stores))
        taken = [c.fax_id for c in claims if c]
        assert len(taken) == len(set(taken)) == 12
    finally:
        for s in stores:
            await s.close()


async def test_idempotency_key_is_unique_per_tenant(store):
    tenant, _ = await store.create_tenant("a")
    doc = Document(1, "pdf", None, 1, "0" * 64, "faxes/x/1.pdf")
    first, created = await store.submit(NewFax("00000000-0000-4000-8000-00000000aaaa", tenant, "+1555", [doc],
                                               idempotency_key="k"))
    again, created2 = await store.submit(NewFax("00000000-0000-4000-8000-00000000bbbb", tenant, "+1555", [doc],
                                                idempotency_key="k"))
    assert (created, created2) == (True, False) and again["id"] == first["id"]


@pytest.mark.parametrize("query, params, index", [
    ("claim_next", {"now": 1, "tenant_id": None}, "faxes_ready"),
    ("ready_tenants", {"now": 1}, "faxes_ready"),
    ("archive_terminal", {"now": 1, "before_ms": 1, "batch": 1}, "faxes_archivable"),
    ("purge_candidates", {"before_ms": 1, "batch": 1}, "faxes_purgeable"),
])
async def test_queue_queries_use_their_partial_index(store, tmp_path, query, params, index):
    # A partial index is used only if the query repeats its WHERE terms exactly; a reordered
    # status list once made every claim a full scan of the faxes table.
    with sqlite3.connect(tmp_path / "faxgw.sqlite3") as db:
        plan = [r[3] for r in db.execute("EXPLAIN QUERY PLAN " + store.db.q[query], params)]
    assert any(f"USING INDEX {index}" in step for step in plan), plan
    # The only scan allowed is of the (small) index of faxes in a call.
    assert all(not step.startswith("SCAN") or "faxes_in_call" in step for step in plan), plan


async def test_webhook_failed_writes_one_event_with_its_history_row(store):
    tenant, _ = await store.create_tenant("a")
    fax_id = await new_fax(store, tenant)
    await store.hold(tenant, fax_id)
    assert await store.mark_webhook_failed(fax_id, "endpoint e answered 500 for 24 h")
    assert not await store.mark_webhook_failed(fax_id, "again")  # once per fax: no second event
    events = await store.outbox_after(0)
    assert [e["type"] for e in events] == [
        "faxgw.fax.FaxReceived", "faxgw.fax.FaxHeld", "faxgw.fax.FaxWebhookUpdateFailed"]
    assert [e["seq"] for e in events] == [1, 2, 3]
    data = json.loads(events[-1]["payload"])["data"]
    assert data["webhookFailed"] is True
    assert data["faxStatus"] == "FaxHeld"  # the delivery status is not replaced
    # Later status changes go on numbering after it: the event took a place in the order.
    await store.revive(tenant, fax_id)
    events = await store.outbox_after(0)
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    assert events[-1]["type"] == "faxgw.fax.FaxReceived"
