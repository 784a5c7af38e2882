"""A status change's two companions, written in the transaction of the change itself:
the history row (so the history is complete) and the outbox event (so no webhook is lost).
"""

from __future__ import annotations

import json
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
    status = event_status or row["status"]
    await conn.execute(
        q["history_insert"], {"fax_id": row["id"], "status": status, "now": now, "reason": reason}
    )
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
    await conn.execute(
        q["outbox_insert"],
        {
            "event_id": event_id,
            "tenant_id": row["tenant_id"],
            "fax_id": row["id"],
            "seq": row["event_seq"],
            "type": envelope["type"],
            "now": now,
            "payload": json.dumps(envelope, separators=(",", ":")),
        },
    )
