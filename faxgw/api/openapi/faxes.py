"""OpenAPI of the fax endpoints: send, get, search, the actions, pages, attempts, and the
webhook endpoints a tenant keeps."""

from __future__ import annotations

from faxgw.api import schemas
from faxgw.api.openapi.common import COMMON, EVENT_NAMES, FAX_ID, STATUSES, TS, UUID, error, nullable, ok, ref
from faxgw.lifecycle import Status


def _action(summary: str, description: str) -> dict:
    return {
        "summary": summary, "description": description, "parameters": [FAX_ID],
        "responses": {**ok("The fax after the change.", "Fax"), **COMMON,
                      "409": error("Not allowed in the fax's current status (named in faxStatus).")},
    }


FAX_SCHEMA = {
    "type": "object",
    "required": ["tenantId", "faxId", "faxStatus", "createdOn", "updatedOn", "phoneNumber", "failedReason"],
    "properties": {
        "tenantId": UUID, "faxId": UUID,
        "faxStatus": {"type": "string", "enum": [s for s in STATUSES if s != Status.WEBHOOK_UPDATE_FAILED]},
        "createdOn": TS, "updatedOn": TS,
        "phoneNumber": {"type": "string", "description": "Normalised: digits, optional leading +."},
        "failedReason": nullable({"type": "string"}),
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
        "resolution": {"type": "string", "enum": list(schemas.RESOLUTIONS)},
        "documentCount": {"type": "integer", "minimum": 1},
        "pageCount": nullable({"type": "integer"}),
        "attemptCount": {"type": "integer", "minimum": 0},
        "automaticRetriesLeft": {"type": "integer", "minimum": 0},
        "nextAttemptOn": nullable(TS),
        "heldFrom": nullable({"type": "string"}),
        "webhookFailed": {"type": "boolean",
                          "description": "An event of this fax could not be delivered (FaxWebhookUpdateFailed)."},
        "archived": {"type": "boolean"},
        "statusHistory": {"type": "array", "items": ref("StatusChange"),
                          "description": "Only when showFaxStatusChangeHistory is true."},
    },
}

ATTEMPT_SCHEMA = {
    "type": "object",
    "required": ["attemptId", "faxId", "attemptNumber", "startedOn", "inProgress"],
    "properties": {
        "attemptId": UUID, "faxId": UUID, "attemptNumber": {"type": "integer", "minimum": 1},
        "manual": {"type": "boolean", "description": "Bought by PUT /fax/{faxId}/retry."},
        "inProgress": {"type": "boolean"}, "startedOn": TS, "endedOn": nullable(TS),
        "modem": nullable({"type": "string"}), "outcome": nullable({"type": "string"}),
        "failedReason": nullable({"type": "string"}),
        "remoteIdent": nullable({"type": "string"}), "bitRate": nullable({"type": "integer"}),
        "resolution": nullable({"type": "string"}), "coding": nullable({"type": "string"}),
        "ecm": nullable({"type": "boolean"}), "pagesTotal": nullable({"type": "integer"}),
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
            "cursor": {"type": "string", "description": "nextCursor of the previous page, sent with the "
                       "same filters (faxId, faxSentDate, faxSentDateBefore, faxNumber, faxStatus; limit and "
                       "showFaxStatusChangeHistory may change). 400 invalid_cursor if it is not one, 400 "
                       "cursor_mismatch if it came from a search with other filters."},
        },
    }

ENDPOINT_SCHEMA = {
    "type": "object", "required": ["endpointId", "tenantId", "url", "events", "createdOn"],
    "properties": {
        "endpointId": UUID, "tenantId": UUID, "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string", "enum": EVENT_NAMES}},
        "description": nullable({"type": "string"}), "createdOn": TS,
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
                                    "or UTF-8 text, detected from the bytes. Text with characters the "
                                    "fax font cannot draw is refused: 422 text_unprintable."},
        "resolution": {"type": "string", "enum": list(schemas.RESOLUTIONS), "default": "fine"},
        "coverPage": {"type": "string", "description": "A JSON object; a cover page is sent first. Keys "
                                                      "read: to, toNumber, from (or sender), fromNumber (or "
                                                      "senderNumber), subject, message (another key is "
                                                      "refused: 400 invalid_cover_page); from and fromNumber "
                                                      "also name the sender on the header line. A "
                                                      "character the fax font cannot print is "
                                                      "refused: 422 text_unprintable."},
        "headerLine": {"type": "string", "maxLength": schemas.MAX_HEADER_LINE,
                       "description": "The sender as printed on the header line of every page, in "
                                      "place of the configured [sender] name and number; the date "
                                      "and time of sending and 'Page n of N' are printed with it. A "
                                      "character the fax font cannot print is refused: 422 "
                                      "text_unprintable."},
        # --- recipient pinning ---
        "verifyRecipient": {"type": "string", "enum": ["true", "false"],
                            "description": "true: before any page, the CSI the far machine "
                                           "announces must match expectedCsi, or else the CSI "
                                           "pinned for this number (learned from its first "
                                           "good call, or set by an admin). On a mismatch the "
                                           "call ends with no page sent and the fax fails "
                                           "(outcome recipient_mismatch), its failedReason "
                                           "naming both identifiers; it is not retried. CSIs "
                                           "compare by their digits and '+'."},
        "expectedCsi": {"type": "string", "maxLength": schemas.MAX_CSI,
                        "description": "The CSI the recipient's fax machine announces (20 "
                                       "printable characters at most); only with "
                                       "verifyRecipient=true."},
        # --- end recipient pinning ---
    },
}


# The fax a 201 created feeds the operations on it (schemathesis' stateful phase follows these).
_FAX_LINKS = {name: {"operationId": op, "parameters": {"faxId": "$response.body#/faxId"}} for name, op in [
    ("GetFax", "getFax"), ("StopFax", "stopFax"), ("HoldFax", "holdFax"), ("ReviveFax", "reviveFax"),
    ("RetryFax", "retryFax"), ("ListAttempts", "listAttempts")]}


def paths(page_max: int) -> dict:
    created = ok("Accepted and stored: FaxReceived.", "Fax", "201")
    created["201"]["links"] = _FAX_LINKS
    return {
        "/fax": {"post": {
            "summary": "Send a fax", "operationId": "sendFax",
            "description": "Answers 201 once the fax and its documents are on disk. A repeated "
                           "Idempotency-Key with the same request (the same fields, normalised, "
                           "and the same document bytes in the same order; file names do not "
                           "count) answers 200 with the first fax; with a different request, 422 "
                           "`idempotency_key_reused` naming the first fax's faxId. pageCount is "
                           "known at once (a cover page counts as one).",
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                            "schema": {"type": "string", "minLength": 1, "maxLength": schemas.MAX_IDEMPOTENCY_KEY}}],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": SEND_FORM}}},
            "responses": {**created,
                          **ok("The fax first submitted with this Idempotency-Key.", "Fax"),
                          "400": error("A bad field."), "401": COMMON["401"],
                          "413": error("The documents exceed the upload limit, an image has too many "
                                        "pixels, or the fax has too many pages."),
                          "507": error("The server's disk is below its free-space reserve: "
                                       "insufficient_storage, with freeBytes and reserveBytes."),
                          "415": error("Not multipart, or an empty, unsupported, damaged or "
                                        "password-protected document (the code says which)."),
                          "422": error("A document that can be read but not faxed: no pages, an "
                                        "image too small, text the fax font cannot print (also "
                                        "in headerLine or coverPage: text_unprintable); or the "
                                        "Idempotency-Key was used for a different request (code "
                                        "idempotency_key_reused).")}}},
        "/fax/{faxId}": {
            "get": {"summary": "Get fax details", "operationId": "getFax", "parameters": [FAX_ID],
                    "description": "Archived faxes answer 404 (search finds them).",
                    "responses": {**ok("The fax.", "Fax"), **COMMON}},
            "delete": {**_action("Stop a fax", "FaxReceivedForCancel then FaxCancelled, from any queued "
                                 "status or FaxHeld. Refused (409) during an attempt and when finished."),
                       "operationId": "stopFax"}},
        "/fax/search": {"post": {
            "summary": "Search faxes", "operationId": "searchFaxes",
            "description": "Current and archived faxes of the tenant, oldest first, paginated.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": search_schema(page_max)}}},
            "responses": {**ok("One page.", "SearchResult"),
                          "400": error("Bad or missing search keys, or a cursor of another search."),
                          "401": COMMON["401"], "415": error("Not application/json.")}}},
        "/fax/{faxId}/retry": {"put": {**_action("Retry a fax", "FaxFailed to FaxRetry: exactly one more attempt."),
                                       "operationId": "retryFax"}},
        "/fax/{faxId}/hold": {"put": {**_action("Hold a fax", "A queued fax to FaxHeld; the scheduler skips it."),
                                      "operationId": "holdFax"}},
        "/fax/{faxId}/revive": {"put": {**_action("Revive a fax", "FaxHeld back to the queued status it was "
                                                  "held from, due at once; retry budget unchanged."),
                                        "operationId": "reviveFax"}},
        "/fax/{faxId}/pages/{n}": {"get": {
            "summary": "Preview a page", "operationId": "getFaxPage",
            "description": "Page n (1 is the cover page when there is one) exactly as it would be "
                           "transmitted now, header line included (its date and time are those of "
                           "the request; a sent page shows the time it was sent): 1728 pixels across "
                           "at 204 dpi, one row per scan line at the fax's resolution (the PNG "
                           "records both dpi).",
            "parameters": [FAX_ID, {"name": "n", "in": "path", "required": True,
                                     "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": {"description": "The page as a black and white PNG.",
                                  "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
                          "400": error("The page number is not written in ASCII digits (invalid_page_number), "
                                       "or the stored header line cannot be printed (invalid_header_line)."),
                          "401": COMMON["401"], "404": error("No such fax for this tenant, or no such page."),
                          "410": error("The documents were deleted after the retention period."),
                          "415": error("A document could not be rendered."),
                          "422": error("A document could not be rendered.")}}},
        "/fax/{faxId}/attempts": {"get": {
            "summary": "Get fax attempts", "operationId": "listAttempts", "parameters": [FAX_ID],
            "responses": {**ok("Every attempt, in order.", "AttemptList"), **COMMON}}},
        "/fax/{faxId}/attempts/{attemptId}": {"get": {
            "summary": "Get fax attempt details", "operationId": "getAttempt",
            "parameters": [FAX_ID, {"name": "attemptId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {**ok("The attempt with its T.30 details.", "Attempt"), **COMMON}}},
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
                     "responses": {**ok("Created; the secret is shown only here.", "WebhookEndpoint", "201"),
                                   "400": error("A bad field."), "401": COMMON["401"],
                                   "409": error("Too many endpoints."), "415": error("Not application/json.")}},
            "get": {"summary": "Get webhook endpoints", "operationId": "listWebhookEndpoints",
                    "responses": {**ok("The tenant's endpoints.", "WebhookEndpointList"), "401": COMMON["401"]}},
            "delete": {"summary": "Delete webhook endpoint", "operationId": "deleteWebhookEndpoint",
                       "parameters": [{"name": "endpointId", "in": "query", "required": True,
                                       "schema": {"type": "string", "minLength": 1}}],
                       "responses": {**ok("The deleted endpoint.", "WebhookEndpoint"),
                                     "400": error("No endpointId."), "401": COMMON["401"],
                                     "404": error("No such endpoint for this tenant.")}}},
    }


# The fax's own objects, and the one error shape every endpoint answers with.
SCHEMAS = {
    "Fax": FAX_SCHEMA, "Attempt": ATTEMPT_SCHEMA, "WebhookEndpoint": ENDPOINT_SCHEMA,
    "StatusChange": {"type": "object", "required": ["faxStatus", "changedOn"], "properties": {
        "faxStatus": {"type": "string", "enum": STATUSES}, "changedOn": TS,
        "reason": nullable({"type": "string"})}},
    "SearchResult": {"type": "object", "required": ["faxes", "nextCursor"], "properties": {
        "faxes": {"type": "array", "items": ref("Fax")}, "nextCursor": nullable({"type": "string"})}},
    "AttemptList": {"type": "object", "required": ["faxId", "attempts"], "properties": {
        "faxId": UUID, "attempts": {"type": "array", "items": ref("Attempt")}}},
    "WebhookEndpointList": {"type": "object", "required": ["endpoints"], "properties": {
        "endpoints": {"type": "array", "items": ref("WebhookEndpoint")}}},
    "Error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "faxStatus": {"type": "string", "description": "On 409: the fax's current status."},
        "faxId": {"type": "string", "description": "On 422 idempotency_key_reused: the fax "
                  "first submitted with this key."},
        "field": {"type": "string", "description": "On 400: the field at fault, when one is."},
        "action": {"type": "string", "description": "On 409 invalid_status: the action the "
                   "fax's status does not allow (retry, hold, revive, stop)."},
        "document": {"type": "integer", "description": "On 413, 415 and 422 about a document: "
                     "its position in the request (1 is the first document part)."},
        "event": {"type": "string", "description": "On 400 invalid_events: the event that is "
                  "not one (as JSON)."},
        "limitBytes": {"type": "integer", "description": "On 413 document_too_large: the "
                       "upload limit in bytes."}}},
}
