"""OpenAPI of received faxes: the tenants' endpoints, the admin's, and their webhook."""

from __future__ import annotations

from faxgw.api.openapi.common import ADMIN, ADMIN_401, TS, UUID, error, nullable, ok, ref
from faxgw.store.received_objects import EVENTS

_ID = {"name": "receivedId", "in": "path", "required": True, "schema": {"type": "string"},
       "description": "The received fax's id. Unknown ids, other tenants' ids and faxes kept "
                      "for the admin answer the same 404."}
_401 = {"401": error("No or unknown API key.")}
_404 = {"404": error("No such received fax for this tenant.")}
_STR = nullable({"type": "string"})
_INT = nullable({"type": "integer"})


def _binary(media: str, description: str) -> dict:
    return {"200": {"description": description,
                    "content": {media: {"schema": {"type": "string", "format": "binary"}}}}}


def _download(summary: str, op: str, media: str, what: str, admin: bool = False) -> dict:
    operation = {
        "summary": summary, "operationId": op, "parameters": [_ID],
        "responses": {**_binary(media, what), **(ADMIN_401 if admin else _401),
                      "404": error("No such received fax here, or it has no pages."),
                      "409": error("The call is still going on (its pages can be fetched one by one)."),
                      "410": error("The files were deleted after the retention period.")}}
    if admin:
        operation["security"] = ADMIN
        operation["description"] = "Admin key only: a fax no route matched, to see whose it is."
    return {"get": operation}


def _search_body(page_max: int) -> dict:
    return {
        "type": "object", "additionalProperties": False,
        "properties": {
            "receivedDate": {"type": "string", "description": "Faxes whose call began on or after this "
                             "date (2024-11-15, midnight UTC) or date-time."},
            "receivedDateBefore": {"type": "string", "description": "... and before this one."},
            "sender": {"type": "string", "minLength": 1, "maxLength": 64,
                       "description": "Part of the sender's TSI or of the caller's number."},
            "unreadOnly": {"type": "boolean", "description": "Only faxes not marked read."},
            "limit": {"type": "integer", "minimum": 1, "maximum": page_max, "description": "Page size."},
            "cursor": {"type": "string", "description": "nextCursor of the previous page (400 if not one)."},
        },
    }


def paths(page_max: int) -> dict:
    return {
        "/received/search": {"post": {
            "summary": "List and search received faxes", "operationId": "searchReceivedFaxes",
            "description": "The tenant's received faxes, archived ones too, oldest first by the time "
                           "the call began; every filter is optional. Paginated.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _search_body(page_max)}}},
            "responses": {**ok("One page.", "ReceivedFaxList"), "400": error("A bad filter."),
                          **_401, "415": error("Not application/json.")}}},
        "/received/{receivedId}": {
            "get": {"summary": "Get a received fax", "operationId": "getReceivedFax",
                    "description": "Archived faxes answer 404 (search finds them). `showSession=true` "
                                   "adds the T.30 session: negotiated parameters and the protocol trace.",
                    "parameters": [_ID, {"name": "showSession", "in": "query", "required": False,
                                         "schema": {"type": "string", "enum": ["true", "false"]}}],
                    "responses": {**ok("The received fax.", "ReceivedFax"), **_401, **_404,
                                  "400": error("A bad showSession value.")}},
            "delete": {"summary": "Delete a received fax", "operationId": "deleteReceivedFax",
                       "description": "The record and its files. Refused (409) while the call goes on.",
                       "parameters": [_ID],
                       "responses": {**ok("The deleted fax, as it was.", "ReceivedFax"), **_401, **_404,
                                     "409": error("The call is still going on.")}}},
        "/received/{receivedId}/read": {"put": {
            "summary": "Mark a received fax read", "operationId": "markReceivedFaxRead",
            "parameters": [_ID], "responses": {**ok("The fax, read.", "ReceivedFax"), **_401, **_404}}},
        "/received/{receivedId}/pdf": _download(
            "Download a received fax as PDF", "downloadReceivedPdf", "application/pdf",
            "Every page kept, at its size on paper."),
        "/received/{receivedId}/tiff": _download(
            "Download a received fax as TIFF", "downloadReceivedTiff", "image/tiff",
            "TIFF Class F (MH): the pages as received, 204 dpi across and the call's dpi down."),
        "/received/{receivedId}/pages/{n}": {"get": {
            "summary": "One page of a received fax", "operationId": "getReceivedPage",
            "parameters": [_ID, {"name": "n", "in": "path", "required": True,
                                 "schema": {"type": "integer", "minimum": 1}}],
            "responses": {**_binary("image/png", "Page n as a black and white PNG, one pixel per "
                                    "scan line element (the PNG records both dpi)."),
                          "400": error("The page number is not written in ASCII digits (invalid_page_number)."),
                          **_401, "404": error("No such received fax for this tenant, or no such page."),
                          "410": error("The files were deleted after the retention period.")}}},
        "/admin/received": {"get": {
            "summary": "Received faxes no route matched", "operationId": "listUnroutedFaxes",
            "security": ADMIN,
            "description": "Admin key only. Faxes that matched no [inbound] route while there was no "
                           "default tenant: kept, never dropped, until given to a tenant.",
            "parameters": [{"name": "limit", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": page_max}},
                           {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}}],
            "responses": {**ok("One page.", "ReceivedFaxList"), "400": error("A bad limit or cursor."),
                          **ADMIN_401}}},
        "/admin/received/{receivedId}/pdf": _download(
            "Download an unrouted fax as PDF", "downloadUnroutedPdf", "application/pdf",
            "Every page kept, at its size on paper.", admin=True),
        "/admin/received/{receivedId}/tenant": {"put": {
            "summary": "Give an unrouted fax to a tenant", "operationId": "assignUnroutedFax",
            "security": ADMIN, "parameters": [_ID],
            "description": "Admin key only. The tenant is then told (InboundFaxReceived).",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["tenantId"], "additionalProperties": False,
                "properties": {"tenantId": UUID}}}}},
            "responses": {**ok("The fax, now the tenant's.", "ReceivedFax"),
                          "400": error("No such tenant, or a bad body."), **ADMIN_401,
                          "404": error("No unrouted fax with this id."),
                          "415": error("Not application/json.")}}},
    }


SCHEMAS = {
    "ReceivedPage": {"type": "object", "required": ["page", "resolution", "coding", "badLines"], "properties": {
        "page": {"type": "integer", "minimum": 1}, "resolution": {"type": "string"},
        "coding": {"type": "string", "enum": ["MH", "MR", "MMR"]},
        "widthPx": {"type": "integer"}, "heightPx": {"type": "integer"},
        "totalLines": {"type": "integer"},
        "badLines": {"type": "integer", "description": "Scan lines the decoder found damaged."},
        "ecm": {"type": "boolean"}, "receivedOn": TS}},
    "ReceivedFax": {
        "type": "object",
        "required": ["receivedId", "tenantId", "status", "partial", "receivedOn", "pageCount", "pages"],
        "properties": {
            "receivedId": UUID, "tenantId": nullable(UUID),
            "status": {"type": "string", "enum": ["receiving", "received", "partial", "failed"],
                       "description": "partial: the call ended early; the whole pages that arrived "
                                      "are kept. failed: not one whole page arrived."},
            "partial": {"type": "boolean"}, "partialReason": _STR,
            "receivedOn": TS, "completedOn": nullable(TS), "durationMs": _INT,
            "modem": {"type": "string", "description": "The line (modem) that answered."},
            "calledNumber": nullable({"type": "string", "description": "DID, when the line reports it."}),
            "callerNumber": nullable({"type": "string", "description": "Caller ID, when known."}),
            "callerName": _STR,
            "senderIdent": nullable({"type": "string", "description": "The sender's TSI."}),
            "routedBy": {"type": "string", "enum": ["called_number", "modem", "default", "none", "admin"]},
            "pageCount": {"type": "integer", "minimum": 0},
            "resolution": _STR, "coding": _STR, "ecm": nullable({"type": "boolean"}), "bitRate": _INT,
            "outcome": _STR, "read": {"type": "boolean"}, "readOn": nullable(TS),
            "archived": {"type": "boolean"}, "filesDeleted": {"type": "boolean"},
            "pages": {"type": "array", "items": ref("ReceivedPage")},
            "session": {"type": "object", "description": "With showSession=true: the T.30 session."},
            "page": {"type": "integer", "description": "In InboundFaxPageReceived events: the page."}}},
    "ReceivedFaxList": {"type": "object", "required": ["receivedFaxes", "nextCursor"], "properties": {
        "receivedFaxes": {"type": "array", "items": ref("ReceivedFax")},
        "nextCursor": nullable({"type": "string"})}},
}

WEBHOOKS = {
    "receivedFaxEvent": {"post": {
        "summary": "A received fax arrived (sent by faxgw to each webhook endpoint that wants it)",
        "description": (
            "Types com.faxgw.fax." + ", com.faxgw.fax.".join(EVENTS) + ". InboundFaxReceived when a "
            "call ended with at least one whole page (`partial: true` and `partialReason` when it "
            "ended early), InboundFaxFailed when not one page arrived, and, once a fax reaches "
            "[inbound] page_events_from pages, InboundFaxPageReceived for each page (`page` in "
            "data). `subject` is the receivedId; data is the received fax as GET returns it. "
            "Signed, retried and ordered per fax exactly like the fax status events (faxEvent)."),
        "parameters": [
            {"name": "Faxgw-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
            {"name": "Faxgw-Event-Id", "in": "header", "required": True, "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {
            "application/cloudevents+json": {"schema": ref("CloudEvent")}}},
        "responses": {"2XX": {"description": "Delivered."}}}},
}
