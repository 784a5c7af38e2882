"""The delivery ledger: which event goes to which endpoint, and how far it got.

State lives in SQLite (migration 0002) so that a restart, even after SIGKILL, loses
nothing: an event is in the outbox (the core commits it with the status change), the
fan-out cursor says whether it was already turned into deliveries, and each delivery row
says whether it is still pending. Every method is one short transaction on the store's
single writer connection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from faxgw.store.changes import EVENT_TYPE_PREFIX
from faxgw.store.db import Database, many, one
from faxgw.webhooks.delivery import AttemptRecord
from faxgw.webhooks.envelope import FaxEvent
from faxgw.webhooks.sql import queries

Q = queries()
FAN_OUT_BATCH = 500
FAR_FUTURE_MS = 2**62


@dataclass(frozen=True)
class Claimed:
    """One delivery taken for an attempt now."""

    event: FaxEvent
    outbox_id: int
    endpoint_id: str
    url: str
    secrets: tuple[str, ...]  # current first; the rotated one while its grace period lasts
    attempts: int  # attempts made before this one
    first_attempt_ms: int | None


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    record: AttemptRecord
    next_attempt_ms: int | None  # when not delivered: None means given up

    @property
    def given_up(self) -> bool:
        return not self.record.delivered and self.next_attempt_ms is None


class DeliveryLedger:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._fanned_out_to = -1  # the cursor as last seen; -1: not read yet

    async def release_in_flight(self) -> None:
        async with self._db.write() as conn:
            await conn.execute(Q["release_in_flight"])

    async def fan_out(self, now_ms: int) -> int:
        """Turn the next batch of outbox events into deliveries; returns how many were read."""
        if self._fanned_out_to >= 0:
            (last,) = await self._db.fetchone(Q["outbox_last_id"])
            if last <= self._fanned_out_to:
                return 0  # nothing new: no write transaction at all
        async with self._db.write() as conn:
            (after,) = await one(conn, Q["fanout_cursor"])
            (upto,) = await one(conn, Q["outbox_batch_end"], {"after": after, "limit": FAN_OUT_BATCH})
            if upto is None:
                self._fanned_out_to = after
                return 0
            params = {"after": after, "upto": upto, "now": now_ms,
                      "prefix_len": len(EVENT_TYPE_PREFIX)}
            await conn.execute(Q["fan_out"], params)
            await conn.execute(Q["advance_cursor"], params)
        self._fanned_out_to = upto
        return upto - after

    async def claim(
        self, now_ms: int, limit: int, per_endpoint: int, busy: Mapping[str, int]
    ) -> list[Claimed]:
        """Take up to ``limit`` due heads of line; ``busy``: deliveries in flight per endpoint."""
        async with self._db.write() as conn:
            keys = await many(conn, Q["claimable"], _claimable_params(now_ms, limit, per_endpoint, busy))
            if not keys:
                return []
            key_params = [{"event_id": k[0], "endpoint_id": k[1]} for k in keys]
            await conn.executemany(Q["mark_in_flight"], key_params)
            rows = await many(conn, Q["claimed_details"],
                              {"keys": json.dumps([[k[0], k[1]] for k in keys]), "now": now_ms})
        # A key without details lost its endpoint a moment ago; drop_orphans will drop it.
        order = {(k[0], k[1]): i for i, k in enumerate(keys)}
        claimed = [claimed_from_row(r) for r in rows]
        claimed.sort(key=lambda c: order[(c.outbox_id, c.endpoint_id)])
        return claimed

    async def next_due_ms(self, per_endpoint: int, busy: Mapping[str, int]) -> int | None:
        """When the earliest head of line that could start is due (None: nothing pending)."""
        params = _claimable_params(FAR_FUTURE_MS, 1, per_endpoint, busy)
        row = await self._db.fetchone(Q["claimable"], params)
        return None if row is None else row[2]

    async def drop_orphans(self, now_ms: int) -> None:
        async with self._db.write() as conn:
            await conn.execute(Q["drop_orphans"], {"now": now_ms})

    async def record(self, outcomes: list[Outcome], now_ms: int) -> None:
        """Write attempts and their consequences in one transaction."""
        params = [_outcome_params(o, now_ms) for o in outcomes]
        delivered = [p for p, o in zip(params, outcomes) if o.record.delivered]
        given_up = [p for p, o in zip(params, outcomes) if o.given_up]
        retried = [p for p, o in zip(params, outcomes) if not o.record.delivered and not o.given_up]
        async with self._db.write() as conn:
            await conn.executemany(Q["insert_attempt"], params)
            for query, batch in (("mark_delivered", delivered), ("give_up", given_up), ("reschedule", retried)):
                if batch:
                    await conn.executemany(Q[query], batch)


def _claimable_params(due_before: int, limit: int, per_endpoint: int, busy: Mapping[str, int]) -> dict:
    return {"due_before": due_before, "limit": limit, "per_endpoint": per_endpoint,
            "busy": json.dumps(dict(busy))}


def _outcome_params(outcome: Outcome, now_ms: int) -> dict:
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
        event=event_from_row(row),
        outbox_id=row["event_id"],
        endpoint_id=row["endpoint_id"],
        url=row["url"],
        secrets=secrets,
        attempts=row["attempts"],
        first_attempt_ms=row["first_attempt_ms"],
    )
