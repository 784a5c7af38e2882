"""The webhook worker in the app's life (cleanup_ctx), and the API of events and secrets.

GET  /fax/events?after=<eventId>&limit=<n>              the tenant's events in order
GET  /fax/{faxId}/events                                each event's deliveries and attempts
POST /fax/webhook/endpoints/{endpointId}/rotate-secret  new secret; the old one signs on
                                                        during a grace period
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

from aiohttp import web
from aiohttp.resolver import ThreadedResolver

from faxgw.api import schemas
from faxgw.api.errors import ApiError, bad_request
from faxgw.api.keys import CONFIG, STORE, TENANT
from faxgw.api.views import _json_body  # the core's JSON body reader (its 415/400 rules)
from faxgw.store.rows import endpoint_object, iso
from faxgw.webhooks.events import UnknownEvent, fax_event_log, rotate_secret, tenant_events
from faxgw.webhooks.url_policy import DestinationRefused
from faxgw.webhooks.worker import WebhookWorker

WEBHOOK_WORKER = web.AppKey("webhook_worker", WebhookWorker)
EVENTS_PAGE_DEFAULT = 100
EVENTS_PAGE_MAX = 1000
MAX_GRACE_S = 7 * 24 * 3600
URL_CHECK_TIMEOUT_S = 2.0


def add_routes(app: web.Application) -> None:
    """Register before ``/fax/{faxId}``, which would otherwise take ``/fax/events``."""
    app.router.add_get("/fax/events", list_events, allow_head=False)
    # Any other method must not fall through to /fax/{faxId} (a DELETE would try to stop a
    # fax called "events"): 405 naming GET as the only method.
    app.router.add_route("*", "/fax/events", _only_get)
    app.router.add_get("/fax/{faxId}/events", fax_events, allow_head=False)
    app.router.add_post("/fax/webhook/endpoints/{endpointId}/rotate-secret", rotate_endpoint_secret)


async def worker_ctx(app: web.Application) -> AsyncIterator[None]:
    """Runs the delivery worker while the app runs; append after the store's context."""
    config, store = app[CONFIG], app[STORE]
    api_ports = (config.server.port,) if config.server.port else ()  # 0: see listening_on
    worker = WebhookWorker(store, config.webhooks, api_ports=api_ports)
    await worker.start()
    store.db.commit_listeners.append(worker.commit_listener)
    app[WEBHOOK_WORKER] = worker
    yield
    store.db.commit_listeners.remove(worker.commit_listener)
    await asyncio.shield(worker.stop())


def listening_on(app: web.Application, port: int) -> None:
    """The server is bound: its real port is one of the box's own that no webhook may reach.

    The daemon calls this once the socket listens, before it says so; with a fixed port
    the config already named it, with port 0 this is the first time it is known.
    """
    app[WEBHOOK_WORKER].add_own_ports((port,))


async def list_events(request: web.Request) -> web.Response:
    limit = _limit(request.query.get("limit"))
    after = request.query.get("after") or None
    settings = request.app[CONFIG].webhooks
    try:
        events, more = await tenant_events(request.app[STORE].db, request[TENANT], after, limit, settings.source)
    except UnknownEvent:  # 404 like a fax: another tenant's event id is as unknown as a made-up one
        raise ApiError(404, "event_not_found", "after must be the id of one of this tenant's events.",
                       field="after")
    next_after = events[-1]["id"] if events else after
    return web.json_response({"events": events, "nextAfter": next_after, "hasMore": more})


async def _only_get(request: web.Request) -> web.Response:
    raise web.HTTPMethodNotAllowed(request.method, ["GET"])


async def fax_events(request: web.Request) -> web.Response:
    fax_id = request.match_info["faxId"]
    store = request.app[STORE]
    await store.get_fax(request[TENANT], fax_id)  # NotFound -> the usual 404 of a fax
    log = await fax_event_log(store.db, request[TENANT], fax_id, request.app[CONFIG].webhooks.source)
    return web.json_response({"faxId": fax_id, "events": log})


async def rotate_endpoint_secret(request: web.Request) -> web.Response:
    grace_s = await _grace_seconds(request)
    endpoint_id = request.match_info["endpointId"]
    rotated = schemas.is_uuid(endpoint_id) and await rotate_secret(
        request.app[STORE].db, request[TENANT], endpoint_id.lower(), grace_s)
    if not rotated:
        raise ApiError(404, "endpoint_not_found", "No webhook endpoint with this endpointId exists.")
    row, secret = rotated
    body = endpoint_object(row, secret)
    body["previousSecretExpiresOn"] = iso(row["previous_expires_ms"])
    return web.json_response(body)


async def check_endpoint_url(request: web.Request, url: str) -> None:
    """Refuse at creation a URL the worker would refuse at every delivery (400 url_refused).

    A name that does not resolve now is accepted: the LAN's DNS may learn it later, and
    the worker checks the addresses again at every connection anyway.
    """
    policy = request.app[WEBHOOK_WORKER].policy  # the one deliveries meet, bound port included
    try:
        async with asyncio.timeout(URL_CHECK_TIMEOUT_S):
            await policy.check_url_resolved(url, ThreadedResolver())
    except DestinationRefused as exc:
        raise bad_request("url_refused", f"This webhook URL is not allowed: {exc}.", field="url")
    except (OSError, asyncio.TimeoutError):
        pass


def _limit(raw: str | None) -> int:
    if raw is None:
        return EVENTS_PAGE_DEFAULT
    if not raw.isdigit() or not 1 <= int(raw) <= EVENTS_PAGE_MAX:
        raise bad_request("invalid_limit", f"limit must be an integer from 1 to {EVENTS_PAGE_MAX}.", field="limit")
    return int(raw)


async def _grace_seconds(request: web.Request) -> float:
    default = request.app[CONFIG].webhooks.secret_grace_s
    if not request.can_read_body:
        return default
    body = schemas.json_object(await _json_body(request))
    schemas.reject_unknown(body, {"gracePeriodSeconds"})
    grace = body.get("gracePeriodSeconds", default)
    if isinstance(grace, bool) or not isinstance(grace, (int, float)) or not 0 <= grace <= MAX_GRACE_S:
        raise bad_request("invalid_field", f"gracePeriodSeconds must be a number from 0 to {MAX_GRACE_S}.",
                          field="gracePeriodSeconds")
    return float(grace)

