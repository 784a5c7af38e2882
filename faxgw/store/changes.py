"""A status change's two companions, written in the transaction of the change itself:
the history row (so the history is complete) and the outbox event (so no webhook is lost).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any, Mapping

import aiosqlite

from faxgw.store.rows import fax_object, iso
from faxgw.cloudevents import cloud_event

EVENT_TYPE_PREFIX = "faxgw.fax."


async def record_change(
    conn: aiosqlite.Connection, q: dict[str, str], row: Mapping[str, Any], now: int,
    reason: str | None = None, event_status: str | None = None,
) -> None:
    """`row` is the fax as the status update returned it (its event_seq already bumped).

    ``event_status`` names an event that is not a move to a new status (only
    FaxWebhookUpdateFailed): the history row and the event carry that name while ``data``
    still shows the fax's own status, which the event does not replace.
    """
    history, event = change_rows(row, now, reason, event_status)
    await conn.execute(q["history_insert"], history)
    await conn.execute(q["outbox_insert"], event)


def record_change_sync(conn: sqlite3.Connection, q: dict[str, str], row: Mapping[str, Any], now: int,
                       reason: str | None = None) -> None:
    """The same, on a plain connection (a batch run in the writer thread, Database.write_batch)."""
    history, event = change_rows(row, now, reason)
    conn.execute(q["history_insert"], history)
    conn.execute(q["outbox_insert"], event)


def change_rows(row: Mapping[str, Any], now: int, reason: str | None = None,
                event_status: str | None = None) -> tuple[dict, dict]:
    """The parameters of the history row and of the outbox event of one change."""
    status = event_status or row["status"]
    history = {"fax_id": row["id"], "status": status, "now": now, "reason": reason}
    source = f"/faxgw/tenants/{row['tenant_id']}/faxes/{row['id']}"
    return history, outbox_event(row["tenant_id"], row["id"], source, status, row["event_seq"],
                                 now, fax_object(row))


def outbox_event(tenant_id: str, subject_id: str, source: str, name: str, sequence: int,
                 now: int, data: Mapping[str, Any]) -> dict:
    """The parameters of one outbox row: its CloudEvents envelope, stored as compact JSON.

    The stored envelope numbers the events of one fax in the CloudEvents "sequence"
    extension; the webhook worker sends only its ``data`` again, in an envelope of its own
    (faxgw/webhooks/envelope.py).
    """
    event_id = str(uuid.uuid4())
    type_ = EVENT_TYPE_PREFIX + name
    envelope = cloud_event(event_id, source, type_, subject_id, iso(now), data,
                           {"sequence": sequence})
    return {
        "event_id": event_id,
        "tenant_id": tenant_id,
        "fax_id": subject_id,
        "seq": sequence,
        "type": type_,
        "now": now,
        "payload": json.dumps(envelope, separators=(",", ":")),
    }
