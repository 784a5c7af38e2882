"""The OpenAPI 3.1 description of what the server really does (schemathesis holds us to it)."""

from __future__ import annotations

import re

from faxgw import __version__
from faxgw.api import schemas
from faxgw.inbound.objects import EVENTS as INBOUND_EVENTS
from faxgw.lifecycle import Status

STATUSES = [s.value for s in Status]
# What a webhook endpoint can subscribe to: the statuses, and the received-fax events (issue 12).
EVENT_NAMES = STATUSES + list(INBOUND_EVENTS)
_TS = {"type": "string", "format": "date-time"}
_UUID = {"type": "string", "format": "uuid"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(description: str, schema: str, status: str = "200") -> dict:
    return {status: {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}}


_FAX_ID = {"name": "faxId", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "The fax's id. Unknown ids and other tenants' ids answer the same 404."}
_COMMON = {"401": _error("No or unknown API key."), "404": _error("No such fax for this tenant.")}


def _action(summary: str, description: str) -> dict:
    return {
        "summary": summary, "description": description, "parameters": [_FAX_ID],
        "responses": {**_ok("The fax after the change.", "Fax"), **_COMMON,
                      "409": _error("Not allowed in the fax's current status (named in faxStatus).")},
    }


FAX_SCHEMA = {
    "type": "object",
    "required": ["tenantId", "faxId", "faxStatus", "createdOn", "updatedOn", "phoneNumber", "failedReason"],
    "properties": {
        "tenantId": _UUID, "faxId": _UUID,
        "faxStatus": {"type": "string", "enum": [s for s in STATUSES if s != Status.WEBHOOK_UPDATE_FAILED]},
        "createdOn": _TS, "updatedOn": _TS,
        "phoneNumber": {"type": "string", "description": "Normalised: digits, optional leading +."},
        "failedReason": _nullable({"type": "string"}),
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
        "resolution": {"type": "string", "enum": list(schemas.RESOLUTIONS)},
        "documentCount": {"type": "integer", "minimum": 1},
        "pageCount": _nullable({"type": "integer"}),
        "attemptCount": {"type": "integer", "minimum": 0},
        "automaticRetriesLeft": {"type": "integer", "minimum": 0},
        "nextAttemptOn": _nullable(_TS),
        "heldFrom": _nullable({"type": "string"}),
        "webhookFailed": {"type": "boolean",
                          "description": "An event of this fax could not be delivered (FaxWebhookUpdateFailed)."},
        "archived": {"type": "boolean"},
        "statusHistory": {"type": "array", "items": _ref("StatusChange"),
                          "description": "Only when showFaxStatusChangeHistory is true."},
    },
}

ATTEMPT_SCHEMA = {
    "type": "object",
    "required": ["attemptId", "faxId", "attemptNumber", "startedOn", "inProgress"],
    "properties": {
        "attemptId": _UUID, "faxId": _UUID, "attemptNumber": {"type": "integer", "minimum": 1},
        "manual": {"type": "boolean", "description": "Bought by PUT /fax/{faxId}/retry."},
        "inProgress": {"type": "boolean"}, "startedOn": _TS, "endedOn": _nullable(_TS),
        "modem": _nullable({"type": "string"}), "outcome": _nullable({"type": "string"}),
        "failedReason": _nullable({"type": "string"}),
        "remoteIdent": _nullable({"type": "string"}), "bitRate": _nullable({"type": "integer"}),
        "resolution": _nullable({"type": "string"}), "coding": _nullable({"type": "string"}),
        "ecm": _nullable({"type": "boolean"}), "pagesTotal": _nullable({"type": "integer"}),
        "pagesConfirmed": {"type": "integer", "minimum": 0},
        "details": {"type": "object", "description": "T.30 details and the session trace."},
    },
}

_DATE = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}
_STATUS_ALT = "|".join(STATUSES)
PHONE = {"type": "string", "pattern": schemas.PHONE_PATTERN,
         "description": "E.164 (+15551234567) or 2 to 20 digits; spaces, dashes, dots, slashes and "
                        "parentheses are ignored."}


def search_schema(page_max: int) -> dict:
    return {
        "type": "object", "additionalProperties": False,
        "description": "At least one of faxId and faxSentDate is required (400 otherwise).",
        "anyOf": [{"required": ["faxId"]}, {"required": ["faxSentDate"]}],
        "properties": {
            "faxId": {"type": "string", "pattern": "[^\\s,]",
                      "description": "One or more fax ids, comma-separated."},
            "faxSentDate": {**_DATE, "description":
                            "Faxes submitted (createdOn) on or after this date (2024-11-15) or date-time, UTC."},
            "faxSentDateBefore": {**_DATE, "description": "Extension: and submitted before this instant."},
            "faxNumber": PHONE,
            "faxStatus": {"type": "string", "pattern": f"^ *({_STATUS_ALT}) *(, *({_STATUS_ALT}) *)*$",
                          "description": "One or more statuses, comma-separated. "
                                         "FaxWebhookUpdateFailed finds faxes with webhookFailed."},
            "showFaxStatusChangeHistory": {"type": "boolean", "default": False},
            "limit": {"type": "integer", "minimum": 1, "maximum": page_max, "description": "Page size."},
            "cursor": {"type": "string", "description": "nextCursor of the previous page (400 if not one)."},
        },
    }

ENDPOINT_SCHEMA = {
    "type": "object", "required": ["endpointId", "tenantId", "url", "events", "createdOn"],
    "properties": {
        "endpointId": _UUID, "tenantId": _UUID, "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string", "enum": EVENT_NAMES}},
        "description": _nullable({"type": "string"}), "createdOn": _TS,
        "secret": {"type": "string", "description": "Only in the 201 answer: the HMAC-SHA256 signing secret."},
    },
}

SEND_FORM = {
    "type": "object", "required": ["phoneNumber", "document"],
    "properties": {
        "phoneNumber": PHONE,
        "metadata": {"type": "string", "description": "A JSON object of string keys and string values."},
        "document": {"type": "array", "minItems": 1, "items": {"type": "string", "contentMediaType": "application/octet-stream"},
                     "description": "One or more files, sent in order: PDF, TIFF, PNG, JPEG, GIF, BMP "
                                    "or UTF-8 text, detected from the bytes."},
        "resolution": {"type": "string", "enum": list(schemas.RESOLUTIONS), "default": "fine"},
        "coverPage": {"type": "string", "description": "A JSON object."},
        "headerLine": {"type": "string", "maxLength": schemas.MAX_HEADER_LINE},
    },
}


# The fax a 201 created feeds the operations on it (schemathesis' stateful phase follows these).
_FAX_LINKS = {name: {"operationId": op, "parameters": {"faxId": "$response.body#/faxId"}} for name, op in [
    ("GetFax", "getFax"), ("StopFax", "stopFax"), ("HoldFax", "holdFax"), ("ReviveFax", "reviveFax"),
    ("RetryFax", "retryFax"), ("ListAttempts", "listAttempts")]}


def _paths(page_max: int) -> dict:
    created = _ok("Accepted and stored: FaxReceived.", "Fax", "201")
    created["201"]["links"] = _FAX_LINKS
    return {
        "/fax": {"post": {
            "summary": "Send a fax", "operationId": "sendFax",
            "description": "Answers 201 once the fax and its documents are on disk. A repeated "
                           "Idempotency-Key answers 200 with the first fax.",
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                            "schema": {"type": "string", "minLength": 1, "maxLength": schemas.MAX_IDEMPOTENCY_KEY}}],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": SEND_FORM}}},
            "responses": {**created,
                          **_ok("The fax first submitted with this Idempotency-Key.", "Fax"),
                          "400": _error("A bad field."), "401": _COMMON["401"],
                          "413": _error("The documents exceed the upload limit, an image has too many "
                                        "pixels, or the fax has too many pages."),
                          "415": _error("Not multipart, or an empty, unsupported, damaged or "
                                        "password-protected document (the code says which)."),
                          "422": _error("A document that can be read but not faxed: no pages, an "
                                        "image too small.")}}},
        "/fax/{faxId}": {
            "get": {"summary": "Get fax details", "operationId": "getFax", "parameters": [_FAX_ID],
                    "description": "Archived faxes answer 404 (search finds them).",
                    "responses": {**_ok("The fax.", "Fax"), **_COMMON}},
            "delete": {**_action("Stop a fax", "FaxReceivedForCancel then FaxCancelled, from any queued "
                                 "status or FaxHeld. Refused (409) during an attempt and when finished."),
                       "operationId": "stopFax"}},
        "/fax/search": {"post": {
            "summary": "Search faxes", "operationId": "searchFaxes",
            "description": "Current and archived faxes of the tenant, oldest first, paginated.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": search_schema(page_max)}}},
            "responses": {**_ok("One page.", "SearchResult"), "400": _error("Bad or missing search keys."),
                          "401": _COMMON["401"], "415": _error("Not application/json.")}}},
        "/fax/{faxId}/retry": {"put": {**_action("Retry a fax", "FaxFailed to FaxRetry: exactly one more attempt."),
                                       "operationId": "retryFax"}},
        "/fax/{faxId}/hold": {"put": {**_action("Hold a fax", "A queued fax to FaxHeld; the scheduler skips it."),
                                      "operationId": "holdFax"}},
        "/fax/{faxId}/revive": {"put": {**_action("Revive a fax", "FaxHeld back to the queued status it was "
                                                  "held from, due at once; retry budget unchanged."),
                                        "operationId": "reviveFax"}},
        "/fax/{faxId}/pages/{n}": {"get": {
            "summary": "Preview a page", "operationId": "getFaxPage",
            "description": "Page n (1 is the cover page when there is one) exactly as it will be "
                           "transmitted, header line included: 1728 pixels across at 204 dpi, one "
                           "row per scan line at the fax's resolution (the PNG records both dpi).",
            "parameters": [_FAX_ID, {"name": "n", "in": "path", "required": True,
                                     "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": {"description": "The page as a black and white PNG.",
                                  "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
                          "401": _COMMON["401"], "404": _error("No such fax for this tenant, or no such page."),
                          "410": _error("The documents were deleted after the retention period."),
                          "415": _error("A document could not be rendered."),
                          "422": _error("A document could not be rendered.")}}},
        "/fax/{faxId}/attempts": {"get": {
            "summary": "Get fax attempts", "operationId": "listAttempts", "parameters": [_FAX_ID],
            "responses": {**_ok("Every attempt, in order.", "AttemptList"), **_COMMON}}},
        "/fax/{faxId}/attempts/{attemptId}": {"get": {
            "summary": "Get fax attempt details", "operationId": "getAttempt",
            "parameters": [_FAX_ID, {"name": "attemptId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {**_ok("The attempt with its T.30 details.", "Attempt"), **_COMMON}}},
        "/fax/webhook/endpoints": {
            "post": {"summary": "Create webhook endpoint", "operationId": "createWebhookEndpoint",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["url"], "additionalProperties": False,
                         "properties": {"url": {"type": "string", "description": "http or https"},
                                        "events": {"type": "array", "minItems": 1,
                                                   "items": {"type": "string", "enum": EVENT_NAMES},
                                                   "description": "Statuses (and received-fax events) "
                                                                  "to be told about; all by default."},
                                        "description": {"type": "string", "maxLength": 500}}}}}},
                     "responses": {**_ok("Created; the secret is shown only here.", "WebhookEndpoint", "201"),
                                   "400": _error("A bad field."), "401": _COMMON["401"],
                                   "409": _error("Too many endpoints."), "415": _error("Not application/json.")}},
            "get": {"summary": "Get webhook endpoints", "operationId": "listWebhookEndpoints",
                    "responses": {**_ok("The tenant's endpoints.", "WebhookEndpointList"), "401": _COMMON["401"]}},
            "delete": {"summary": "Delete webhook endpoint", "operationId": "deleteWebhookEndpoint",
                       "parameters": [{"name": "endpointId", "in": "query", "required": True,
                                       "schema": {"type": "string", "minLength": 1}}],
                       "responses": {**_ok("The deleted endpoint.", "WebhookEndpoint"),
                                     "400": _error("No endpointId."), "401": _COMMON["401"],
                                     "404": _error("No such endpoint for this tenant.")}}},
    }


def spec(page_max: int = 1000) -> dict:
    from faxgw.api import webhook_openapi  # issue 10's additions; it imports this module's helpers
    from faxgw.api import ops_openapi  # issue 11: /health, /metrics, /modems
    from faxgw.api import received_openapi  # issue 12: received faxes

    return {
        "openapi": "3.1.0",
        "info": {"title": "faxgw REST API", "version": __version__,
                 "description": "Send faxes through the modems of this box. Every request but this "
                                "document and /docs needs `Authorization: Bearer <API key>`; the key "
                                "decides the tenant. Errors are JSON: a machine `code` and a `message`."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {**_paths(page_max), **webhook_openapi.PATHS, **ops_openapi.PATHS,
                  **received_openapi.paths(page_max)},
        "webhooks": {**webhook_openapi.WEBHOOKS, **received_openapi.WEBHOOKS},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                **ops_openapi.SECURITY_SCHEMES},
            "schemas": {
                **webhook_openapi.SCHEMAS, **ops_openapi.SCHEMAS, **received_openapi.SCHEMAS,
                "Fax": FAX_SCHEMA, "Attempt": ATTEMPT_SCHEMA, "WebhookEndpoint": ENDPOINT_SCHEMA,
                "StatusChange": {"type": "object", "required": ["faxStatus", "changedOn"], "properties": {
                    "faxStatus": {"type": "string", "enum": STATUSES}, "changedOn": _TS,
                    "reason": _nullable({"type": "string"})}},
                "SearchResult": {"type": "object", "required": ["faxes", "nextCursor"], "properties": {
                    "faxes": {"type": "array", "items": _ref("Fax")}, "nextCursor": _nullable({"type": "string"})}},
                "AttemptList": {"type": "object", "required": ["faxId", "attempts"], "properties": {
                    "faxId": _UUID, "attempts": {"type": "array", "items": _ref("Attempt")}}},
                "WebhookEndpointList": {"type": "object", "required": ["endpoints"], "properties": {
                    "endpoints": {"type": "array", "items": _ref("WebhookEndpoint")}}},
                "Error": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"},
                    "faxStatus": {"type": "string", "description": "On 409: the fax's current status."}}},
            },
        },
    }


def allowed_methods(path: str) -> list[str] | None:
    """The methods the document lists for `path`, by its most specific template.

    aiohttp's 405 lists every resource matching the path: /fax/search also matches
    /fax/{faxId}. A literal segment wins over a parameter, as it does in the router.
    """
    best = None
    for template, ops in spec()["paths"].items():
        pattern = "^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            rank = template.count("{")
            if best is None or rank < best[0]:
                best = (rank, sorted(m.upper() for m in ops))
    return best[1] if best else None
