"""Webhook endpoints of a tenant: create (the secret is shown once), list, delete."""

from __future__ import annotations

from aiohttp import web

from faxgw.api import schemas, webhook_events
from faxgw.api.errors import ApiError, bad_request
from faxgw.api.keys import STORE, TENANT
from faxgw.api.views import _json_body
from faxgw.store import TooManyEndpoints
from faxgw.store.rows import endpoint_object
from faxgw.store.tenants import MAX_ENDPOINTS_PER_TENANT

MAX_DESCRIPTION = 500


async def create_endpoint(request: web.Request) -> web.Response:
    body = schemas.json_object(await _json_body(request))
    schemas.reject_unknown(body, {"url", "events", "description"})
    url = schemas.webhook_url(body.get("url"))
    await webhook_events.check_endpoint_url(request, url)  # issue 10: allow/deny networks
    events = schemas.event_list(body.get("events"))
    description = body.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > MAX_DESCRIPTION):
        raise bad_request("invalid_field", f"description must be text of at most {MAX_DESCRIPTION} characters.",
                          field="description")
    try:
        row, secret = await request.app[STORE].create_endpoint(request[TENANT], url, events, description)
    except TooManyEndpoints:
        raise ApiError(409, "too_many_endpoints",
                       f"A tenant may have at most {MAX_ENDPOINTS_PER_TENANT} webhook endpoints.")
    return web.json_response(endpoint_object(row, secret), status=201)


async def list_endpoints(request: web.Request) -> web.Response:
    rows = await request.app[STORE].endpoints(request[TENANT])
    return web.json_response({"endpoints": [endpoint_object(r) for r in rows]})


async def delete_endpoint(request: web.Request) -> web.Response:
    endpoint_id = request.query.get("endpointId")
    if not endpoint_id:
        raise bad_request("missing_endpoint_id", "Give the endpoint to delete: ?endpointId=<id>.")
    row = schemas.is_uuid(endpoint_id) and await request.app[STORE].delete_endpoint(
        request[TENANT], endpoint_id.lower())
    if not row:
        raise ApiError(404, "endpoint_not_found", "No webhook endpoint with this endpointId exists.")
    return web.json_response(endpoint_object(row))
