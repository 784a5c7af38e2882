"""The delivery ledger: which event goes to which endpoint, and how far it got.

State lives in SQLite (migration 0002) so that a restart, even after SIGKILL, loses
nothing: an event is in the outbox (the core commits it with the status change), the
fan-out cursor says whether it was already turned into deliveries, and each delivery row
says whether it is still pending. Every write is one short transaction on the store's
single writer connection (each of its statements a hand-off to that connection's thread,
so they are few); the reads of the heads run on the loop (loop_reader).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, Mapping

from faxgw.store.changes import EVENT_TYPE_PREFIX
from faxgw.store.db import Database
from faxgw.webhooks.delivery import AttemptRecord
from faxgw.webhooks.delivery_states import DELIVERY_MOVES, DeliveryState, after_attempt
from faxgw.webhooks.envelope import FaxEvent
from faxgw.webhooks.loop_reader import LoopReader
from faxgw.webhooks.sql import queries

Q = queries()
FAN_OUT_BATCH = 500
CANDIDATES_PER_SLOT = 2


@dataclass(frozen=True)
class Claimed:
    """One delivery taken for an attempt now.

    ``event`` is parsed from the outbox row only when asked for: an event goes to several
    endpoints and its body is encoded once (the worker keeps it), so most claims never
    need the fax object at all.
    """

    event_row: Mapping[str, Any] = field(repr=False)
    cloud_event_id: str
    tenant_id: str
    fax_id: str
    status: str
    outbox_id: int
    endpoint_id: str
    url: str
    secrets: tuple[str, ...]  # current first; the rotated one while its grace period lasts
    attempts: int  # attempts made before this one
    first_attempt_ms: int | None
    queued_ms: int  # when the delivery was created: the give-up clock starts here

    @cached_property
    def event(self) -> FaxEvent:
        return event_from_row(self.event_row)


@dataclass(frozen=True)
class DeliveryOutcome:
    claimed: Claimed
    record: AttemptRecord
    next_attempt_ms: int | None  # when not delivered: None means given up

    @property
    def given_up(self) -> bool:
        return not self.record.delivered and self.next_attempt_ms is None


@dataclass(frozen=True)
class Taken:
    claimed: list[Claimed]
    # When a head that could start now is due next (None: nothing pending that could).
    next_look_ms: int | None


class DeliveryLedger:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._reader = LoopReader(db)
        self._fanned_out_to = -1  # the cursor as last seen; -1: not read yet

    async def fan_out(self, now_ms: int) -> int:
        """Turn the next batch of outbox events into deliveries; returns how many were read.

        Whether there is anything new is read on the loop (no write transaction when there
        is not). The cursor is only this worker's (one worker per database), so it is kept
        in memory once read; the update is still conditional, so a cursor moved behind
        its back (another ledger object in tests) is read again, never overwritten.
        """
        if self._fanned_out_to < 0:
            (self._fanned_out_to,) = await self._db.fetchone(Q["fanout_cursor"])
        after = self._fanned_out_to
        (upto,) = (await self._reader.fetchall(Q["outbox_batch_end"], {"after": after, "limit": FAN_OUT_BATCH}))[0]
        if upto is None:
            return 0  # nothing new
        params = {"after": after, "upto": upto, "now": now_ms, "prefix_len": len(EVENT_TYPE_PREFIX)}
        async with self._db.write() as conn:
            advanced = (await conn.execute(Q["advance_cursor"], params)).rowcount == 1
            if advanced:
                await conn.execute(Q["fan_out"], params)
        if not advanced:
            self._fanned_out_to = -1
            return await self.fan_out(now_ms)
        self._fanned_out_to = upto
        return upto - after

    async def take(self, now_ms: int, limit: int, per_endpoint: int, in_flight: "InFlight",
                   per_tenant: int | None = None) -> "Taken":
        """Up to ``limit`` due heads of line not in flight, and when to look again; read-only.

        At most ``per_endpoint`` (``per_tenant``) attempts run at once per endpoint (per
        tenant), those of ``in_flight`` included. Nothing is written: only this worker
        claims, and it remembers what it took until the outcome is recorded. Deliveries to
        a deleted endpoint are never claimed; drop_orphans closes them.
        """
        slots = Slots(per_endpoint, per_tenant)
        # Read a few more than asked: some may be capped by their endpoint's free slots.
        candidates = limit * CANDIDATES_PER_SLOT
        params = {**_in_flight_params(slots, in_flight), "now": now_ms, "limit": candidates}
        rows = await self._reader.fetchall(Q["heads"], params)
        due = [r for r in rows if r["next_attempt_ms"] <= now_ms]
        taken, counts = _cap(due, limit, slots, in_flight)
        claimed = [claimed_from_row(r) for r in taken]
        return Taken(claimed, _next_look_ms(rows, taken, counts, candidates, slots, in_flight, now_ms))

    async def claim(self, now_ms: int, limit: int, per_endpoint: int, in_flight: "InFlight",
                    per_tenant: int | None = None) -> list[Claimed]:
        """Up to ``limit`` due heads of line, not already in flight (see :meth:`take`)."""
        return (await self.take(now_ms, limit, per_endpoint, in_flight, per_tenant)).claimed

    async def next_due_ms(self, per_endpoint: int, in_flight: "InFlight") -> int | None:
        """When the earliest head of line that could start is due (None: nothing pending)."""
        params = {**_in_flight_params(Slots(per_endpoint), in_flight), "now": 0, "limit": 1}
        rows = await self._reader.fetchall(Q["heads"], params)
        return rows[0]["next_attempt_ms"] if rows else None

    def close(self) -> None:
        self._reader.close()

    async def drop_orphans(self, now_ms: int) -> None:
        DELIVERY_MOVES.move(DeliveryState.PENDING, DeliveryState.DROPPED)  # what the SQL does
        async with self._db.write() as conn:
            await conn.execute(Q["drop_orphans"], {"now": now_ms})

    async def record(self, outcomes: list[DeliveryOutcome], now_ms: int) -> None:
        """Write attempts and their consequences in one transaction (four round trips)."""
        params = [_outcome_params(o, now_ms) for o in outcomes]
        async with self._db.write() as conn:
            await conn.executemany(Q["insert_attempt"], params)
            await conn.executemany(Q["settle"], params)


@dataclass(frozen=True)
class Slots:
    """How many attempts may run at once per endpoint, and per tenant (None: no cap)."""

    per_endpoint: int
    per_tenant: int | None = None

    def endpoint_full(self, running: int) -> bool:
        return running >= self.per_endpoint

    def tenant_full(self, running: int) -> bool:
        return self.per_tenant is not None and running >= self.per_tenant


class InFlight:
    """The deliveries the worker has taken and not yet recorded.

    A taken delivery holds a concurrency slot (overall, at its endpoint and of its tenant)
    while its HTTP attempt runs, and stays excluded from claims until its outcome is
    committed. The two are apart on purpose: a finished attempt waiting for the next ledger
    write no longer occupies a slot, so the next attempts start while the write is under way.
    """

    def __init__(self) -> None:
        self._taken: dict[tuple[int, str], str | None] = {}  # key -> tenant
        self._running: set[tuple[int, str]] = set()
        self.per_endpoint: Counter[str] = Counter()  # running attempts per endpoint
        self.per_tenant: Counter[str] = Counter()  # ... per tenant
        self.running = 0

    @property
    def keys(self):
        return self._taken.keys()

    def add(self, outbox_id: int, endpoint_id: str, tenant_id: str | None = None) -> None:
        key = (outbox_id, endpoint_id)
        self._taken[key] = tenant_id
        self._running.add(key)
        self.per_endpoint[endpoint_id] += 1
        if tenant_id is not None:
            self.per_tenant[tenant_id] += 1
        self.running += 1

    def finish(self, outbox_id: int, endpoint_id: str) -> None:
        """The attempt is over: its slot is free, but it is not claimable until recorded."""
        key = (outbox_id, endpoint_id)
        if key in self._running:
            self._running.discard(key)
            self.running -= 1
            _decrement(self.per_endpoint, endpoint_id)
            tenant_id = self._taken[key]
            if tenant_id is not None:
                _decrement(self.per_tenant, tenant_id)

    def remove(self, outbox_id: int, endpoint_id: str) -> None:
        """The outcome is committed: the delivery may be claimed again (when still pending)."""
        self.finish(outbox_id, endpoint_id)
        self._taken.pop((outbox_id, endpoint_id), None)

    def __len__(self) -> int:
        return len(self._taken)


def _decrement(counter: Counter, key: str) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]


def _in_flight_params(slots: Slots, in_flight: InFlight) -> dict:
    return {
        "saturated": json.dumps([e for e, n in in_flight.per_endpoint.items() if slots.endpoint_full(n)]),
        "saturated_tenants": json.dumps([t for t, n in in_flight.per_tenant.items() if slots.tenant_full(n)]),
        "in_flight": json.dumps([f"{e}|{p}" for e, p in in_flight.keys]),
    }


def _has_room(row, counts: "tuple[Counter, Counter]", slots: Slots, in_flight: InFlight) -> bool:
    endpoint_id, tenant_id = row["endpoint_id"], row["tenant_id"]
    by_endpoint, by_tenant = counts
    return not (slots.endpoint_full(in_flight.per_endpoint[endpoint_id] + by_endpoint[endpoint_id])
                or slots.tenant_full(in_flight.per_tenant[tenant_id] + by_tenant[tenant_id]))


def _cap(rows: list, limit: int, slots: Slots, in_flight: InFlight) -> tuple[list, tuple[Counter, Counter]]:
    """The rows to take, in order, within the free slots of their endpoints and tenants."""
    counts: tuple[Counter, Counter] = (Counter(), Counter())
    taken = []
    for row in rows:
        if len(taken) == limit:
            break
        if _has_room(row, counts, slots, in_flight):
            counts[0][row["endpoint_id"]] += 1
            counts[1][row["tenant_id"]] += 1
            taken.append(row)
    return taken, counts


def _next_look_ms(rows: list, taken: list, counts: "tuple[Counter, Counter]", candidates: int,
                  slots: Slots, in_flight: InFlight, now_ms: int) -> int | None:
    """When the worker should look for heads again, after taking ``taken`` of ``rows``.

    The first head it left that is not behind a now saturated endpoint or tenant says
    when; if all ``candidates`` rows came back, more may lie beyond them (heads of other
    endpoints behind one endpoint's many), so at once.
    """
    taken_ids = {id(r) for r in taken}
    for row in rows:
        if id(row) not in taken_ids and _has_room(row, counts, slots, in_flight):
            return row["next_attempt_ms"]
    return now_ms if len(rows) >= candidates else None


def _outcome_params(outcome: DeliveryOutcome, now_ms: int) -> dict:
    claimed, record = outcome.claimed, outcome.record
    return {
        "event_id": claimed.outbox_id,
        "endpoint_id": claimed.endpoint_id,
        "number": claimed.attempts + 1,
        "started_ms": int(record.started_at * 1000),
        "duration_ms": record.duration_ms,
        "status_code": record.status_code,
        "error": record.error,
        "excerpt": record.response_excerpt,
        "next_attempt_ms": outcome.next_attempt_ms,
        "state": after_attempt(record.delivered, outcome.given_up).value,
        "now": now_ms,
    }


def event_from_row(row: Mapping[str, Any]) -> FaxEvent:
    """An outbox row as the webhook layer sends it: ``data`` is the fax object of the change."""
    payload = json.loads(row["payload"])
    return FaxEvent(
        event_id=row["cloud_event_id"],
        tenant_id=row["tenant_id"],
        fax_id=row["fax_id"],
        sequence=row["seq"],
        status=row["type"][len(EVENT_TYPE_PREFIX):],
        occurred_at=_from_ms(row["created_ms"]),
        fax=payload["data"],
    )


def _from_ms(ms: int) -> datetime:
    # Integer arithmetic: ms / 1000 as a float can land a microsecond short of the millisecond.
    whole = datetime.fromtimestamp(ms // 1000, timezone.utc)
    return whole.replace(microsecond=(ms % 1000) * 1000)


def claimed_from_row(row: Mapping[str, Any]) -> Claimed:
    secrets = (row["secret"],)
    if row["previous_secret"]:
        secrets += (row["previous_secret"],)
    return Claimed(
        event_row=row,
        cloud_event_id=row["cloud_event_id"],
        tenant_id=row["tenant_id"],
        fax_id=row["fax_id"],
        status=row["type"][len(EVENT_TYPE_PREFIX):],
        outbox_id=row["event_id"],
        endpoint_id=row["endpoint_id"],
        url=row["url"],
        secrets=secrets,
        attempts=row["attempts"],
        first_attempt_ms=row["first_attempt_ms"],
        queued_ms=row["queued_ms"],
    )
