"""A tenant's events, as the webhooks send them:

GET  /fax/events?after=<eventId>&limit=<n>   the tenant's events in order
GET  /fax/{faxId}/events                     each event's deliveries and attempts
"""

from __future__ import annotations

from aiohttp import web

from faxgw.api import schemas
from faxgw.api.errors import ApiError, bad_request
from faxgw.api.keys import SERVICES, TENANT
from faxgw.webhooks.events import UnknownEvent, fax_event_log, tenant_events

EVENTS_PAGE_DEFAULT = 100
EVENTS_PAGE_MAX = 1000


async def list_events(request: web.Request) -> web.Response:
    limit = _limit(request.query.get("limit"))
    after = request.query.get("after") or None
    settings = request.app[SERVICES].config.webhooks
    try:
        events, more = await tenant_events(request.app[SERVICES].store.db, request[TENANT], after, limit, settings.source)
    except UnknownEvent:  # 404 like a fax: another tenant's event id is as unknown as a made-up one
        raise ApiError(404, "event_not_found", "after must be the id of one of this tenant's events.",
                       field="after")
    next_after = events[-1]["id"] if events else after
    return web.json_response({"events": events, "nextAfter": next_after, "hasMore": more})


async def only_get(request: web.Request) -> web.Response:
    """Any method but GET on /fax/events: 405 naming GET, never a fall-through to
    /fax/{faxId} (a DELETE would try to stop a fax called "events")."""
    raise web.HTTPMethodNotAllowed(request.method, ["GET"])


async def fax_events(request: web.Request) -> web.Response:
    fax_id = request.match_info["faxId"]
    services = request.app[SERVICES]
    await services.store.get_fax(request[TENANT], fax_id)  # NotFound -> the usual 404 of a fax
    log = await fax_event_log(services.store.db, request[TENANT], fax_id, services.config.webhooks.source)
    return web.json_response({"faxId": fax_id, "events": log})


def _limit(raw: str | None) -> int:
    if raw is None:
        return EVENTS_PAGE_DEFAULT
    limit = schemas.ascii_int(raw)
    if limit is None or not 1 <= limit <= EVENTS_PAGE_MAX:
        raise bad_request("invalid_limit", f"limit must be an integer from 1 to {EVENTS_PAGE_MAX}.", field="limit")
    return limit
