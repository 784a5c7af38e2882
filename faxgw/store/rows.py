"""Rows to the API's JSON objects, and the time format of the reference.

The store builds outbox payloads from the same functions the API answers with, so a
webhook's ``data`` is exactly what GET returns at that moment.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from faxgw.lifecycle import Status


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def iso(ms: int | None) -> str | None:
    """ISO-8601 UTC with milliseconds and Z, as the reference writes them."""
    if ms is None:
        return None
    # time.gmtime: half the cost of a datetime, and a GET formats three of these.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def fax_object(row: Mapping[str, Any], history: list[Mapping[str, Any]] | None = None) -> dict:
    obj = {
        "tenantId": row["tenant_id"],
        "faxId": row["id"],
        "faxStatus": row["status"],
        "createdOn": iso(row["created_ms"]),
        "updatedOn": iso(row["updated_ms"]),
        "phoneNumber": row["phone_number"],
        "failedReason": row["failed_reason"],
        "metadata": json.loads(row["metadata"]),
        "resolution": row["resolution"],
        "documentCount": row["document_count"],
        "pageCount": row["page_count"],
        "attemptCount": row["attempt_count"],
        "automaticRetriesLeft": row["auto_retries_left"],
        "nextAttemptOn": iso(row["next_attempt_ms"]) if row["status"] in _QUEUED_NAMES else None,
        "heldFrom": row["held_from"],
        "webhookFailed": bool(row["webhook_failed"]),
        "archived": row["archived_ms"] is not None,
    }
    if history is not None:
        obj["statusHistory"] = [history_entry(h) for h in history]
    return obj


_QUEUED_NAMES = {Status.RECEIVED.value, Status.RETRY_ATTEMPTED.value, Status.RETRY.value}


def history_entry(row: Mapping[str, Any]) -> dict:
    return {"faxStatus": row["status"], "changedOn": iso(row["at_ms"]), "reason": row["reason"]}


def attempt_object(row: Mapping[str, Any], brief: bool = False) -> dict:
    obj = {
        "attemptId": row["id"],
        "faxId": row["fax_id"],
        "attemptNumber": row["number"],
        "manual": bool(row["manual"]),
        "inProgress": row["ended_ms"] is None,
        "startedOn": iso(row["started_ms"]),
        "endedOn": iso(row["ended_ms"]),
        "modem": row["modem"],
        "outcome": row["outcome"],
        "failedReason": row["failed_reason"],
        "remoteIdent": row["remote_ident"],
        "bitRate": row["bit_rate"],
        "resolution": row["resolution"],
        "coding": row["coding"],
        "ecm": None if row["ecm"] is None else bool(row["ecm"]),
        "pagesTotal": row["pages_total"],
        "pagesConfirmed": row["pages_confirmed"],
    }
    if not brief:
        obj["details"] = camel_case_keys(json.loads(row["details"]))
    return obj


def camel_case_keys(value: Any) -> Any:
    """The session's details as the API spells every other name (``bit_rate`` -> ``bitRate``):
    the record keeps the session's own field names; only the answer is translated."""
    if isinstance(value, dict):
        return {_camel(k) if isinstance(k, str) else k: camel_case_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_case_keys(v) for v in value]
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    if not rest or not head or not all(part[:1].islower() or part[:1].isdigit() for part in rest):
        return name  # not a snake_case identifier (a frame name, a constant): as it is
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def endpoint_object(row: Mapping[str, Any], secret: str | None = None) -> dict:
    obj = {
        "endpointId": row["id"],
        "tenantId": row["tenant_id"],
        "url": row["url"],
        "events": json.loads(row["events"]),
        "description": row["description"],
        "createdOn": iso(row["created_ms"]),
    }
    if secret is not None:
        obj["secret"] = secret  # shown once, at creation
    return obj


@dataclass(frozen=True)
class Document:
    position: int
    doc_type: str
    filename: str | None
    size_bytes: int
    sha256: str
    path: str  # relative to the state directory


@dataclass(frozen=True)
class NewFax:
    """A validated submission whose documents are already fsynced in the state directory."""

    fax_id: str
    tenant_id: str
    phone_number: str  # as the client typed it, separators dropped
    documents: list[Document]
    metadata: dict[str, str] = field(default_factory=dict)
    resolution: str = "fine"
    header_line: str | None = None
    cover_page: Any = None
    idempotency_key: str | None = None
    request_sha256: str | None = None  # what a repeat with the same key must match
    phone_e164: str = ""  # faxgw.phone.e164 of it with the dial plan's country ("": as typed)
    page_count: int | None = None  # from the submit-time validation, cover page included
    verify_recipient: bool = False  # disconnect before any page if the CSI is not the pinned one
    expected_csi: str | None = None  # the sender's pin; else the one learned for the number


@dataclass(frozen=True)
class Claim:
    """What the scheduler needs to run one attempt."""

    fax_id: str
    tenant_id: str
    attempt_id: str
    attempt_number: int
    manual: bool
    phone_number: str
    resolution: str
    header_line: str | None
    documents: list[Document]
    pages_confirmed: frozenset[int]  # resend only the pages not in here
