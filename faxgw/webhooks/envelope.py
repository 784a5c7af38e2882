"""The CloudEvents 1.0 envelope of a fax event (structured content mode, JSON).

Event type scheme: ``com.faxgw.fax.<faxStatus>``, one type per status of the lifecycle
table, e.g. ``com.faxgw.fax.FaxSent``. A receiver that subscribes to "FaxSent" therefore
matches the suffix of the type, and a new status never needs a new naming rule.

Attributes beyond the required ones:

- ``subject``: the faxId, so a receiver can route without parsing ``data``.
- ``faxsequence``: an extension attribute (CloudEvents names: lowercase letters and
  digits only) numbering the events of one fax 1, 2, 3, ... in the order they happened.
  A receiver that sees sequence n after n+1 knows it got a redelivery, not a new state.
- ``tenantid``: the tenant that owns the fax (also in ``data``), for receivers shared by
  several tenants.

``id`` is the outbox event id; it stays the same across redeliveries, so a receiver drops
duplicates by remembering the ids it has processed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from faxgw.cloudevents import cloud_event

TYPE_PREFIX = "com.faxgw.fax."
# CloudEvents HTTP binding, structured content mode.
HTTP_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
DEFAULT_SOURCE = "urn:faxgw"


@dataclass(frozen=True)
class FaxEvent:
    """One row of the event outbox, as the webhook layer needs it."""

    event_id: str
    tenant_id: str
    fax_id: str
    sequence: int
    status: str
    occurred_at: datetime
    fax: Mapping[str, Any]


def event_type(status: str) -> str:
    return TYPE_PREFIX + status


def status_of_type(type_: str) -> str:
    """The fax status an event type stands for (the inverse of :func:`event_type`)."""
    if not type_.startswith(TYPE_PREFIX):
        raise ValueError(f"not a faxgw fax event type: {type_!r}")
    return type_[len(TYPE_PREFIX):]


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and ``Z``, like every time the API returns."""
    if moment.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def build_envelope(event: FaxEvent, source: str = DEFAULT_SOURCE) -> dict[str, Any]:
    return cloud_event(event.event_id, source, event_type(event.status), event.fax_id,
                       format_time(event.occurred_at), dict(event.fax),
                       {"faxsequence": event.sequence, "tenantid": event.tenant_id})


def encode_envelope(event: FaxEvent, source: str = DEFAULT_SOURCE) -> bytes:
    """The exact bytes that are POSTed and signed.

    Compact and key-order-stable, so the same event always yields the same body and a
    redelivery is byte-identical apart from the signature header.
    """
    envelope = build_envelope(event, source)
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
