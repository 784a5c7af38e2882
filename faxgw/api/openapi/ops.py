"""OpenAPI of the operations endpoints: /health, /metrics, /modems."""

from __future__ import annotations

from faxgw.api.openapi.common import ADMIN, ADMIN_401, nullable, ref

PATHS = {
    "/health": {"get": {
        "summary": "Liveness and readiness", "operationId": "health", "security": [],
        "description": "Public. 200 when ready to send faxes: the store is open and, with the "
                       "scheduler enabled, at least one modem is idle or busy. 503 otherwise, "
                       "with the reason (e.g. no usable modem).",
        "responses": {
            "200": {"description": "Live and ready.",
                    "content": {"application/json": {"schema": ref("Health")}}},
            "503": {"description": "Live but not ready; `reason` says why.",
                    "content": {"application/json": {"schema": ref("Health")}}}}}},
    "/metrics": {"get": {
        "summary": "Prometheus metrics", "operationId": "metrics", "security": ADMIN,
        "description": "The Prometheus text format: faxes by status, queue depth, attempts by "
                       "outcome, call durations, modem states, webhook backlog. Needs the "
                       "admin key unless the config says `[server] metrics_public = true`.",
        "responses": {"200": {"description": "Prometheus text exposition format 0.0.4.",
                              "content": {"text/plain": {"schema": {"type": "string"}}}},
                      **ADMIN_401}}},
    "/modems": {"get": {
        "summary": "The modems and their state", "operationId": "listModems",
        "security": ADMIN, "description": "Admin key only.",
        "responses": {"200": {"description": "Every configured modem.",
                              "content": {"application/json": {"schema": ref("ModemList")}}},
                      **ADMIN_401}}},
}

_STR_OR_NULL = nullable({"type": "string"})
SCHEMAS = {
    "Health": {"type": "object", "required": ["live", "ready", "reason"], "properties": {
        "live": {"type": "boolean"}, "ready": {"type": "boolean"}, "reason": _STR_OR_NULL,
        "degraded": {"type": "boolean", "description": "The disk is below its reserve "
                                                       "([storage] reserve_bytes): writes get 507."},
        "storage": {"type": "object", "properties": {
            "freeBytes": {"type": "integer"}, "reserveBytes": {"type": "integer"}}}}},
    "ModemList": {"type": "object", "required": ["modems"], "properties": {
        "modems": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "port", "class", "state", "lastError", "counters"],
            "properties": {
                "name": {"type": "string"}, "port": {"type": "string"},
                "class": {"type": "string", "enum": ["1", "2.0", "2", "unknown"],
                          "description": "The fax service class used: 1 (Class 1 or 1.0, "
                                         "faxgw runs T.30), 2.0 or 2 (the modem runs T.30); "
                                         "unknown until the modem was first probed."},
                "profile": _STR_OR_NULL, "manufacturer": _STR_OR_NULL, "model": _STR_OR_NULL,
                "state": {"type": "string", "enum": ["idle", "busy", "offline", "probing"]},
                "send": {"type": "boolean"}, "receive": {"type": "boolean"},
                "lastError": _STR_OR_NULL,
                "counters": {"type": "object", "properties": {
                    "calls": {"type": "integer"}, "succeeded": {"type": "integer"},
                    "failed": {"type": "integer"}, "failuresInARow": {"type": "integer"}}}}}}}},
}
SECURITY_SCHEMES = {"adminBearer": {
    "type": "http", "scheme": "bearer",
    "description": "The admin key, whose SHA-256 is `[server] admin_key_sha256` "
                   "(`faxgw admin-key` makes one)."}}
