"""OpenAPI of webhooks: the events and secrets API, and the request faxgw sends to endpoints."""

from __future__ import annotations

from faxgw.api.openapi.common import COMMON, FAX_ID, TS, UUID, error, nullable, ok, ref
from faxgw.api.schemas import MAX_SECRET_GRACE_S as MAX_GRACE_S
from faxgw.webhooks.events import SECRET_PREFIX

CLOUD_EVENT_SCHEMA = {
    "type": "object",
    "description": "A CloudEvents 1.0 envelope, exactly as the webhook POSTs it (structured mode).",
    "required": ["specversion", "id", "source", "type", "subject", "time", "datacontenttype",
                 "faxsequence", "tenantid", "data"],
    "properties": {
        "specversion": {"const": "1.0"},
        "id": {"type": "string", "description": "The same on every redelivery: drop duplicates by it."},
        "source": {"type": "string"},
        "type": {"type": "string", "pattern": "^com\\.faxgw\\.fax\\.[A-Za-z]+$",
                 "description": "com.faxgw.fax.<faxStatus>"},
        "subject": {"type": "string", "description": "The faxId."},
        "time": TS,
        "datacontenttype": {"const": "application/json"},
        "faxsequence": {"type": "integer", "minimum": 1, "description": "1, 2, 3, ... per fax."},
        "tenantid": UUID,
        # A received fax's events (com.faxgw.fax.Inbound*) carry the received fax.
        "data": {"anyOf": [ref("Fax"), ref("ReceivedFax")]},
    },
}

DELIVERY_ATTEMPT_SCHEMA = {
    "type": "object",
    "required": ["number", "startedOn", "durationMs", "statusCode", "delivered", "error", "responseExcerpt"],
    "properties": {
        "number": {"type": "integer", "minimum": 1}, "startedOn": TS, "durationMs": {"type": "number"},
        "statusCode": nullable({"type": "integer"}), "delivered": {"type": "boolean"},
        "error": nullable({"type": "string"}),
        "responseExcerpt": {"type": "string", "description": "The first few KiB of the answer."},
    },
}

DELIVERY_SCHEMA = {
    "type": "object",
    "required": ["endpointId", "url", "state", "attemptCount", "attempts"],
    "properties": {
        "endpointId": UUID, "url": nullable({"type": "string"}),
        "state": {"type": "string", "enum": ["pending", "delivered", "given_up", "dropped"],
                  "description": "dropped: the endpoint was deleted before delivery."},
        "attemptCount": {"type": "integer", "minimum": 0},
        "firstAttemptOn": nullable(TS), "nextAttemptOn": nullable(TS), "finishedOn": nullable(TS),
        "attempts": {"type": "array", "items": ref("DeliveryAttempt")},
    },
}

SCHEMAS = {
    "CloudEvent": CLOUD_EVENT_SCHEMA,
    "DeliveryAttempt": DELIVERY_ATTEMPT_SCHEMA,
    "Delivery": DELIVERY_SCHEMA,
    "EventList": {"type": "object", "required": ["events", "nextAfter", "hasMore"], "properties": {
        "events": {"type": "array", "items": ref("CloudEvent")},
        "nextAfter": nullable({"type": "string"}), "hasMore": {"type": "boolean"}}},
    "FaxEventLog": {"type": "object", "required": ["faxId", "events"], "properties": {
        "faxId": {"type": "string"},
        "events": {"type": "array", "items": {"type": "object", "required": ["event", "deliveries"],
                                              "properties": {"event": ref("CloudEvent"),
                                                             "deliveries": {"type": "array",
                                                                            "items": ref("Delivery")}}}}}},
    "RotatedEndpoint": {"allOf": [ref("WebhookEndpoint"), {
        "type": "object", "required": ["secret", "previousSecretExpiresOn"],
        "properties": {"previousSecretExpiresOn": TS}}]},
}

PATHS = {
    "/fax/events": {"get": {
        "summary": "List the tenant's events", "operationId": "listEvents",
        "description": "Every event of the tenant's faxes in the order they happened, as the webhooks "
                       "send them. A client that was down passes the id of the last event it processed "
                       "as `after` and follows `nextAfter` while `hasMore`. Events older than "
                       "[webhooks] keep_delivery_log_days (90) or the document retention, whichever "
                       "is shorter, are deleted with their delivery records once none is pending.",
        "parameters": [
            {"name": "after", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "An event id of this tenant; only later events are listed."},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
        "responses": {**ok("One page of events, oldest first.", "EventList"),
                      "400": error("A bad limit."), "401": COMMON["401"],
                      "404": error("after is not an event of this tenant (or was deleted by retention).")}}},
    "/fax/{faxId}/events": {"get": {
        "summary": "Get a fax's events and their deliveries", "operationId": "getFaxEvents",
        "description": "Each event of the fax with, per webhook endpoint, the delivery state "
                       "and every attempt (status code, error, duration, the start of the answer).",
        "parameters": [FAX_ID],
        "responses": {**ok("The fax's events in order.", "FaxEventLog"), **COMMON}}},
    "/fax/webhook/endpoints/{endpointId}/rotate-secret": {"post": {
        "summary": "Rotate a webhook endpoint's signing secret", "operationId": "rotateWebhookSecret",
        "description": f"Makes a new secret (`{SECRET_PREFIX}...`, shown only in this answer). Until "
                       "`previousSecretExpiresOn` deliveries are signed with both the new and the "
                       "previous secret (two `v1=` values in Faxgw-Signature), so receivers can switch "
                       "without losing events. Rotating again drops the older previous secret.",
        "parameters": [{"name": "endpointId", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": False, "properties": {
                "gracePeriodSeconds": {"type": "number", "minimum": 0, "maximum": MAX_GRACE_S,
                                       "description": "Default: [webhooks] secret_grace_s (24 h)."}}}}}},
        "responses": {**ok("The endpoint with its new secret.", "RotatedEndpoint"),
                      "400": error("A bad gracePeriodSeconds or an unknown field."),
                      "401": COMMON["401"], "404": error("No such endpoint for this tenant."),
                      "415": error("A body that is not application/json.")}}},
}

# OpenAPI 3.1 "webhooks": the request faxgw sends to every endpoint.
WEBHOOKS = {
    "faxEvent": {"post": {
        "summary": "A status change of a fax (sent by faxgw to each webhook endpoint)",
        "description": (
            "At least once, in order per fax and endpoint; retried with exponential backoff and "
            "jitter for [webhooks] give_up_after_s (24 h), then the event is given up (later events "
            "of the fax are no longer held behind it) and FaxWebhookUpdateFailed is recorded on the "
            "fax, once per fax. That is itself an event, type com.faxgw.fax.FaxWebhookUpdateFailed "
            "with the fax object (webhookFailed: true, faxStatus unchanged) as data, sent to every "
            "endpoint of the tenant that wants it, the failing one included; if its own delivery "
            "is given up, nothing further is recorded. Redirects are not followed. Verify `Faxgw-Signature` before trusting the "
            "body: `t=<unix seconds>,v1=<hex>[,v1=<hex>]`, each v1 = hex(HMAC-SHA256(secret, "
            "`<t>.` + raw body)); accept if any v1 matches one of your secrets (compare in constant "
            "time) and t is within 5 minutes of your clock. Drop duplicates by the event id."),
        "parameters": [
            {"name": "Faxgw-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
            {"name": "Faxgw-Event-Id", "in": "header", "required": True, "schema": {"type": "string"},
             "description": "The CloudEvents id, also in the body."}],
        "requestBody": {"required": True, "content": {
            "application/cloudevents+json": {"schema": ref("CloudEvent")}}},
        "responses": {"2XX": {"description": "Delivered. Anything else, or no answer within "
                                             "[webhooks] total_timeout_s, is retried."}}}},
}
