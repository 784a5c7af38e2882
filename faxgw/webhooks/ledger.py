"""The delivery ledger: which event goes to which endpoint, and how far it got.

The worker is the ledger's only writer; every method is one short transaction. State
lives in SQLite so a restart (even SIGKILL) loses nothing: an event is in the outbox (the
core commits it with the status change), the fan-out cursor says whether it was turned
into deliveries, and each delivery row says whether it is still pending.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

import aiosqlite

from faxgw.webhooks.delivery import AttemptRecord
from faxgw.webhooks.envelope import FaxEvent
from faxgw.webhooks.sql import queries

Q = queries()
FAN_OUT_BATCH = 500
FAR_FUTURE = 1e18


@dataclass(frozen=True)
class Claimed:
    """One delivery taken for an attempt now."""

    event: FaxEvent
    endpoint_id: str
    url: str
    secrets: tuple[str, ...]
    attempts: int  # attempts made before this one
    first_attempt_at: float | None


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    record: AttemptRecord
    next_attempt_at: float | None  # when not delivered: None means given up

    @property
    def given_up(self) -> bool:
        return not self.record.delivered and self.next_attempt_at is None


@dataclass(frozen=True)
class FailedFax:
    fax_id: str
    tenant_id: str
    event_id: int


class DeliveryLedger:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def release_in_flight(self) -> None:
        await self._db.execute(Q["release_in_flight"])
        await self._db.commit()

    async def fan_out(self, now: float) -> int:
        """Turn the next batch of outbox events into deliveries; the number of events read."""
        async with self._db.execute(Q["fanout_cursor"]) as cur:
            (after,) = await cur.fetchone()
        async with self._db.execute(Q["outbox_batch_end"], {"after": after, "limit": FAN_OUT_BATCH}) as cur:
            (upto,) = await cur.fetchone()
        if upto is None:
            return 0
        params = {"after": after, "upto": upto, "now": now}
        await self._db.execute(Q["fan_out"], params)
        await self._db.execute(Q["advance_cursor"], params)
        await self._db.commit()
        return upto - after

    async def claim(self, now: float, limit: int, per_endpoint: int) -> list[Claimed]:
        keys = await self._claimable(now, limit, per_endpoint)
        claimed = []
        for event_id, endpoint_id, _ in keys:
            params = {"event_id": event_id, "endpoint_id": endpoint_id, "now": now}
            await self._db.execute(Q["mark_in_flight"], params)
            async with self._db.execute(Q["claimed_details"], params) as cur:
                row = await cur.fetchone()
            if row is not None:
                claimed.append(_claimed_from_row(row))
        await self._db.commit()
        return claimed

    async def next_due(self, per_endpoint: int) -> float | None:
        """When the earliest head of line that could start becomes due (None: nothing pending)."""
        keys = await self._claimable(FAR_FUTURE, 1, per_endpoint)
        return keys[0][2] if keys else None

    async def _claimable(self, due_before: float, limit: int, per_endpoint: int) -> list[tuple]:
        params = {"due_before": due_before, "limit": limit, "per_endpoint": per_endpoint}
        async with self._db.execute(Q["claimable"], params) as cur:
            return list(await cur.fetchall())

    async def drop_orphans(self, now: float) -> None:
        await self._db.execute(Q["drop_orphans"], {"now": now})
        await self._db.commit()

    async def record(self, outcomes: Iterable[Outcome], now: float) -> None:
        """Write attempts and their consequences in one transaction."""
        for outcome in outcomes:
            params = _outcome_params(outcome, now)
            await self._db.execute(Q["insert_attempt"], params)
            if outcome.record.delivered:
                await self._db.execute(Q["mark_delivered"], params)
            elif outcome.given_up:
                await self._db.execute(Q["give_up"], params)
                await self._db.execute(Q["decide_fax_failed"], params)
            else:
                await self._db.execute(Q["reschedule"], params)
        await self._db.commit()

    async def unnotified_failures(self) -> list[FailedFax]:
        async with self._db.execute(Q["unnotified_failures"]) as cur:
            return [FailedFax(*row) for row in await cur.fetchall()]

    async def mark_notified(self, fax_id: str) -> None:
        await self._db.execute(Q["mark_notified"], {"fax_id": fax_id})
        await self._db.commit()


def _outcome_params(outcome: Outcome, now: float) -> dict:
    claimed, record = outcome.claimed, outcome.record
    return {
        "event_id": int(claimed.event.event_id),
        "endpoint_id": claimed.endpoint_id,
        "tenant_id": claimed.event.tenant_id,
        "fax_id": claimed.event.fax_id,
        "number": claimed.attempts + 1,
        "started_at": record.started_at,
        "duration_ms": record.duration_ms,
        "status_code": record.status_code,
        "error": record.error,
        "excerpt": record.response_excerpt,
        "next_attempt_at": outcome.next_attempt_at,
        "now": now,
    }


def _claimed_from_row(row: tuple) -> Claimed:
    (event_id, endpoint_id, tenant_id, fax_id, attempts, first_attempt_at,
     status, payload, created_at, sequence, url, secret, previous_secret) = row
    event = FaxEvent(
        event_id=str(event_id),
        tenant_id=tenant_id,
        fax_id=fax_id,
        sequence=sequence,
        status=status,
        occurred_at=_parse_time(created_at),
        fax=json.loads(payload),
    )
    secrets = (secret,) if previous_secret is None else (secret, previous_secret)
    return Claimed(event, endpoint_id, url, secrets, attempts, first_attempt_at)


def _parse_time(value: str | float) -> datetime:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
