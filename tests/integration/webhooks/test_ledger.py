"""The delivery ledger on a real Store (SQLite file): fan-out, lines per fax, caps, outcomes."""

import time
import uuid

import pytest

from faxgw.store import Store
from faxgw.store.rows import NewFax
from faxgw.webhooks.delivery import AttemptRecord
from faxgw.webhooks.events import rotate_secret
from faxgw.webhooks.ledger import DeliveryLedger, InFlight, DeliveryOutcome

NOW = lambda: time.time_ns() // 1_000_000  # noqa: E731


@pytest.fixture
async def store(tmp_path):
    s = await Store.open(tmp_path)
    yield s
    await s.close()


async def setup(store, faxes=3, holds=1, endpoints=2, events=None):
    tenant, _ = await store.create_tenant("t")
    endpoint_ids = []
    for _ in range(endpoints):
        row, _ = await store.create_endpoint(tenant, "http://127.0.0.1:9/hook",
                                             events or ["FaxReceived", "FaxHeld"], None)
        endpoint_ids.append(row["id"])
    fax_ids = []
    for _ in range(faxes):
        fax_id = str(uuid.uuid4())
        await store.submit(NewFax(fax_id=fax_id, tenant_id=tenant, phone_number="+15550100", documents=[]))
        for _ in range(holds):
            await store.hold(tenant, fax_id)
            await store.revive(tenant, fax_id)
        fax_ids.append(fax_id)
    return tenant, endpoint_ids, fax_ids


def outcome(claimed, status=204, next_ms=None):
    record = AttemptRecord(time.time(), 1.0, status, None if status else "timed out", "")
    return DeliveryOutcome(claimed, record, next_ms)


async def test_fan_out_makes_one_delivery_per_event_and_endpoint(store):
    _, endpoints, faxes = await setup(store, faxes=3, holds=1, endpoints=2)
    ledger = DeliveryLedger(store.db)
    assert await ledger.fan_out(NOW()) == 9  # 3 faxes x (received, held, received)
    assert await ledger.fan_out(NOW()) == 0  # the cursor moved on
    (count,) = await store.db.fetchone("SELECT COUNT(*) FROM webhook_deliveries")
    assert count == 18


async def test_endpoints_only_get_the_statuses_they_want(store):
    await setup(store, faxes=2, holds=2, endpoints=1, events=["FaxHeld"])
    ledger = DeliveryLedger(store.db)
    await ledger.fan_out(NOW())
    claimed = await ledger.claim(NOW(), 100, 100, InFlight())
    assert {c.event.status for c in claimed} == {"FaxHeld"}
    assert {c.event.sequence for c in claimed} == {2}


async def test_only_the_head_of_each_fax_line_is_claimed_until_it_is_recorded(store):
    _, endpoints, faxes = await setup(store, faxes=3, holds=1, endpoints=2)
    ledger = DeliveryLedger(store.db)
    await ledger.fan_out(NOW())
    in_flight = InFlight()
    heads = await ledger.claim(NOW(), 100, 100, in_flight)
    assert sorted((c.event.fax_id, c.endpoint_id) for c in heads) == sorted(
        (f, e) for f in faxes for e in endpoints)
    assert {c.event.sequence for c in heads} == {1}
    for c in heads:
        in_flight.add(c.outbox_id, c.endpoint_id)
    assert await ledger.claim(NOW(), 100, 100, in_flight) == []  # the heads are in flight

    await ledger.record([outcome(c) for c in heads], NOW())
    for c in heads:
        in_flight.remove(c.outbox_id, c.endpoint_id)
    seconds = await ledger.claim(NOW(), 100, 100, in_flight)
    assert len(seconds) == 6 and {c.event.sequence for c in seconds} == {2}


async def test_per_endpoint_slots_cap_a_claim(store):
    _, endpoints, _ = await setup(store, faxes=5, holds=0, endpoints=2)
    ledger = DeliveryLedger(store.db)
    await ledger.fan_out(NOW())
    in_flight = InFlight()
    claimed = await ledger.claim(NOW(), 100, 2, in_flight)
    assert sorted(c.endpoint_id for c in claimed) == sorted(endpoints * 2)
    busy_one = endpoints[0]
    for c in claimed:
        if c.endpoint_id == busy_one:
            in_flight.add(c.outbox_id, c.endpoint_id)
    more = await ledger.claim(NOW(), 100, 2, in_flight)
    assert {c.endpoint_id for c in more} == {endpoints[1]}  # the saturated endpoint waits


async def test_a_retry_waits_for_its_time_and_keeps_later_events_behind_it(store):
    _, _, faxes = await setup(store, faxes=1, holds=1, endpoints=1)
    ledger = DeliveryLedger(store.db)
    await ledger.fan_out(NOW())
    (head,) = await ledger.claim(NOW(), 10, 10, InFlight())
    later = NOW() + 60_000
    await ledger.record([outcome(head, status=500, next_ms=later)], NOW())
    assert await ledger.claim(NOW(), 10, 10, InFlight()) == []  # nothing overtakes it
    assert await ledger.next_due_ms(10, InFlight()) == later
    (again,) = await ledger.claim(later, 10, 10, InFlight())
    assert again.outbox_id == head.outbox_id and again.attempts == 1
    assert again.first_attempt_ms is not None


async def test_a_given_up_event_lets_the_next_one_go(store):
    await setup(store, faxes=1, holds=1, endpoints=1)
    ledger = DeliveryLedger(store.db)
    await ledger.fan_out(NOW())
    (head,) = await ledger.claim(NOW(), 10, 10, InFlight())
    await ledger.record([outcome(head, status=500, next_ms=None)], NOW())
    (state,) = await store.db.fetchone(
        "SELECT state FROM webhook_deliveries WHERE event_id = ?", (head.outbox_id,))
    assert state == "given_up"
    (following,) = await ledger.claim(NOW(), 10, 10, InFlight())
    assert following.event.sequence == 2


async def test_deliveries_to_a_deleted_endpoint_are_dropped(store):
    tenant, endpoints, _ = await setup(store, faxes=2, holds=0, endpoints=2)
    ledger = DeliveryLedger(store.db)
    await ledger.fan_out(NOW())
    await store.delete_endpoint(tenant, endpoints[0])
    claimed = await ledger.claim(NOW(), 10, 10, InFlight())
    assert {c.endpoint_id for c in claimed} == {endpoints[1]}
    # Not due either, or an idle worker would wake for them at every turn.
    in_flight = InFlight()
    for c in claimed:
        in_flight.add(c.outbox_id, c.endpoint_id)
    assert await ledger.next_due_ms(10, in_flight) is None
    await ledger.drop_orphans(NOW())
    rows = await store.db.fetchall(
        "SELECT state, COUNT(*) FROM webhook_deliveries WHERE endpoint_id = ? GROUP BY state", (endpoints[0],))
    assert [tuple(r) for r in rows] == [("dropped", 2)]


async def test_a_rotated_secret_signs_too_until_it_expires(store):
    tenant, endpoints, _ = await setup(store, faxes=1, holds=0, endpoints=1)
    (old,) = [r["secret"] for r in await store.endpoints(tenant)]
    ledger = DeliveryLedger(store.db)
    await ledger.fan_out(NOW())
    _, new = await rotate_secret(store.db, tenant, endpoints[0], grace_s=60)
    (claimed,) = await ledger.claim(NOW(), 10, 10, InFlight())
    assert claimed.secrets == (new, old)
    (later,) = await ledger.claim(NOW() + 61_000, 10, 10, InFlight())
    assert later.secrets == (new,)
    assert await rotate_secret(store.db, "another-tenant", endpoints[0], 60) is None
