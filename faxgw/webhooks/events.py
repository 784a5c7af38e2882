"""Read side of the webhooks for the API, and the secret rotation.

- the tenant's events in order after a given event (a client that was down catches up);
- one fax's events, each with its deliveries and every attempt;
- rotating an endpoint's signing secret with a grace period in which both secrets sign.
"""

from __future__ import annotations

import secrets as random_secrets
from typing import Any

from faxgw.store.db import Database, one
from faxgw.store.rows import iso, now_ms
from faxgw.webhooks.delivery_states import DeliveryState
from faxgw.webhooks.envelope import build_envelope
from faxgw.webhooks.ledger import event_from_row
from faxgw.webhooks.sql import queries

Q = queries()
SECRET_PREFIX = "whsec_"  # the core's create_endpoint makes the same shape


class UnknownEvent(LookupError):
    """The ``after`` event id is not an event of this tenant."""


async def tenant_events(
    db: Database, tenant_id: str, after_event_id: str | None, limit: int, source: str
) -> tuple[list[dict], bool]:
    """Envelopes (as the webhooks send them) after ``after_event_id``, and whether more follow."""
    after = 0
    if after_event_id:
        row = await db.fetchone(Q["event_position"], {"tenant_id": tenant_id, "cloud_event_id": after_event_id})
        if row is None:
            raise UnknownEvent(after_event_id)
        after = row[0]
    rows = await db.fetchall(Q["events_of_tenant"], {"tenant_id": tenant_id, "after_id": after, "limit": limit + 1})
    envelopes = [build_envelope(event_from_row(r), source) for r in rows[:limit]]
    return envelopes, len(rows) > limit


async def fax_event_log(db: Database, tenant_id: str, fax_id: str, source: str) -> list[dict]:
    """Each event of the fax with its deliveries (one per endpoint) and their attempts."""
    params = {"tenant_id": tenant_id, "fax_id": fax_id}
    events = await db.fetchall(Q["events_of_fax"], params)
    deliveries = await db.fetchall(Q["deliveries_of_fax"], params)
    attempts = await db.fetchall(Q["attempts_of_fax"], params)
    attempt_log: dict[tuple, list[dict]] = {}
    for a in attempts:
        attempt_log.setdefault((a["event_id"], a["endpoint_id"]), []).append(_attempt(a))
    by_event: dict[int, list[dict]] = {}
    for d in deliveries:
        key = (d["event_id"], d["endpoint_id"])
        by_event.setdefault(d["event_id"], []).append(_delivery(d, attempt_log.get(key, [])))
    return [
        {"event": build_envelope(event_from_row(e), source), "deliveries": by_event.get(e["id"], [])}
        for e in events
    ]


def _delivery(row: Any, attempts: list[dict]) -> dict:
    pending = row["state"] == DeliveryState.PENDING
    return {
        "endpointId": row["endpoint_id"],
        "url": row["url"],  # None once the endpoint was deleted
        "state": row["state"],
        "attemptCount": row["attempts"],
        "firstAttemptOn": iso(row["first_attempt_ms"]),
        "nextAttemptOn": iso(row["next_attempt_ms"]) if pending else None,
        "finishedOn": iso(row["finished_ms"]),
        "attempts": attempts,
    }


def _attempt(row: Any) -> dict:
    return {
        "number": row["number"],
        "startedOn": iso(row["started_ms"]),
        "durationMs": round(row["duration_ms"], 1),
        "statusCode": row["status_code"],
        "delivered": row["status_code"] is not None and 200 <= row["status_code"] < 300,
        "error": row["error"],
        "responseExcerpt": row["response_excerpt"],
    }


async def rotate_secret(db: Database, tenant_id: str, endpoint_id: str, grace_s: float) -> tuple[dict, str] | None:
    """A new secret for the endpoint; the old one keeps signing for ``grace_s`` seconds.

    Returns (endpoint row, new secret), or None when the tenant has no such endpoint.
    """
    secret = SECRET_PREFIX + random_secrets.token_urlsafe(32)
    params = {"id": endpoint_id, "tenant_id": tenant_id, "secret": secret,
              "expires_ms": now_ms() + int(grace_s * 1000)}
    async with db.write() as conn:
        row = await one(conn, Q["rotate_secret"], params)
    return (dict(row), secret) if row is not None else None
