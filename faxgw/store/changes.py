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
    event_id = str(uuid.uuid4())
    envelope = {
        "specversion": "1.0",
        "id": event_id,
        "source": f"/faxgw/tenants/{row['tenant_id']}/faxes/{row['id']}",
        "type": EVENT_TYPE_PREFIX + status,
        "subject": row["id"],
        "time": iso(now),
        "datacontenttype": "application/json",
        "sequence": row["event_seq"],  # CloudEvents "sequence" extension: order per fax
        "data": fax_object(row),
    }
    event = {
        "event_id": event_id,
        "tenant_id": row["tenant_id"],
        "fax_id": row["id"],
        "seq": row["event_seq"],
        "type": envelope["type"],
        "now": now,
        "payload": json.dumps(envelope, separators=(",", ":")),
    }
    return history, event
