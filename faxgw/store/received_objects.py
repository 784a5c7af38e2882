"""A received fax as the API and its webhooks show it (camelCase, times as the reference
writes them). The store builds event payloads with the same function the API answers with,
so a webhook's ``data`` is what GET returned at that moment."""

from __future__ import annotations

import json
from typing import Any, Mapping

from faxgw.store.received_statuses import ReceivedStatus
from faxgw.store.rows import iso

# Event names (the suffix of the CloudEvents type com.faxgw.fax.<name>), subscribable by
# webhook endpoints beside the fax statuses.
FAX_RECEIVED = "InboundFaxReceived"  # the call ended with at least one page (maybe partial)
PAGE_RECEIVED = "InboundFaxPageReceived"  # a page of a long fax arrived (call still on)
FAX_FAILED = "InboundFaxFailed"  # the call ended before a single whole page arrived
EVENTS = (FAX_RECEIVED, PAGE_RECEIVED, FAX_FAILED)


def page_object(row: Mapping[str, Any]) -> dict:
    return {
        "page": row["page"], "resolution": row["resolution"], "coding": row["coding"],
        "widthPx": row["width_px"], "heightPx": row["height_px"],
        "totalLines": row["total_lines"], "badLines": row["bad_lines"],
        "ecm": bool(row["ecm"]), "receivedOn": iso(row["received_ms"]),
    }


def received_object(row: Mapping[str, Any], pages: list[Mapping[str, Any]],
                    with_session: bool = False) -> dict:
    ended = row["ended_ms"]
    obj = {
        "receivedId": row["id"],
        "tenantId": row["tenant_id"],
        "status": row["status"],
        "partial": row["status"] == ReceivedStatus.PARTIAL,
        "partialReason": row["partial_reason"],
        "receivedOn": iso(row["started_ms"]),
        "completedOn": iso(ended),
        "durationMs": None if ended is None else ended - row["started_ms"],
        "modem": row["modem"],
        "calledNumber": row["called_number"],
        "callerNumber": row["caller_number"],
        "callerName": row["caller_name"],
        "senderIdent": row["remote_ident"],
        "routedBy": row["routed_by"],
        "pageCount": row["page_count"],
        "resolution": row["resolution"],
        "coding": row["coding"],
        "ecm": None if row["ecm"] is None else bool(row["ecm"]),
        "bitRate": row["bit_rate"],
        "outcome": row["outcome"],
        "read": row["read_ms"] is not None,
        "readOn": iso(row["read_ms"]),
        "archived": row["archived_ms"] is not None,
        "filesDeleted": row["files_purged_ms"] is not None,
        "pages": [page_object(p) for p in pages],
    }
    if with_session:
        obj["session"] = json.loads(row["details"])
    return obj
