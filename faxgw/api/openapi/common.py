"""What every part of the OpenAPI document shares: small schema builders, the common
parameters and answers, the status and event names."""

from __future__ import annotations

from faxgw.store.received_objects import EVENTS as INBOUND_EVENTS
from faxgw.lifecycle import Status

STATUSES = [s.value for s in Status]
# What a webhook endpoint can subscribe to: the statuses, and the received-fax events.
EVENT_NAMES = STATUSES + list(INBOUND_EVENTS)
TS = {"type": "string", "format": "date-time"}
UUID = {"type": "string", "format": "uuid"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def ok(description: str, schema: str, status: str = "200") -> dict:
    return {status: {"description": description, "content": {"application/json": {"schema": ref(schema)}}}}


FAX_ID = {"name": "faxId", "in": "path", "required": True, "schema": {"type": "string"},
          "description": "The fax's id. Unknown ids and other tenants' ids answer the same 404."}
COMMON = {"401": error("No or unknown API key."), "404": error("No such fax for this tenant.")}
# The operations and the unrouted received faxes take the admin key, not a tenant's.
ADMIN = [{"adminBearer": []}]
ADMIN_401 = {"401": error("No admin key, or a wrong one (tenant API keys do not count).")}
