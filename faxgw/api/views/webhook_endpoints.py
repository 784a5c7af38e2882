"""Webhook endpoints of a tenant: create (the secret is shown once), list, delete, and
rotate the signing secret (the old one signs on during a grace period)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.resolver import ThreadedResolver

from faxgw.api import schemas
from faxgw.api.errors import ApiError, bad_request
from faxgw.api.keys import SERVICES, TENANT
from faxgw.api.reading import json_body
from faxgw.store import TooManyEndpoints
from faxgw.store.rows import endpoint_object, iso
from faxgw.store.tenants import MAX_ENDPOINTS_PER_TENANT
from faxgw.webhooks.events import rotate_secret
from faxgw.webhooks.url_policy import DestinationRefused

MAX_DESCRIPTION = 500
URL_CHECK_TIMEOUT_S = 2.0


async def create_endpoint(request: web.Request) -> web.Response:
    body = schemas.json_object(await json_body(request))
    schemas.reject_unknown(body, {"url", "events", "description"})
    url = schemas.webhook_url(body.get("url"))
    await check_endpoint_url(request, url)  # [webhooks] allowed and denied networks
    events = schemas.event_list(body.get("events"))
    description = body.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > MAX_DESCRIPTION):
        raise bad_request("invalid_field", f"description must be text of at most {MAX_DESCRIPTION} characters.",
                          field="description")
    try:
        row, secret = await request.app[SERVICES].store.create_endpoint(request[TENANT], url, events, description)
    except TooManyEndpoints:
        raise ApiError(409, "too_many_endpoints",
                       f"A tenant may have at most {MAX_ENDPOINTS_PER_TENANT} webhook endpoints.")
    return web.json_response(endpoint_object(row, secret), status=201)


async def list_endpoints(request: web.Request) -> web.Response:
    rows = await request.app[SERVICES].store.endpoints(request[TENANT])
    wanted = request.query.get("endpointId")
    if wanted is not None:  # ?endpointId=<id>: that one endpoint (an empty list if none)
        rows = [r for r in rows if r["id"] == wanted.strip().lower()]
    return web.json_response({"endpoints": [endpoint_object(r) for r in rows]})


async def delete_endpoint(request: web.Request) -> web.Response:
    endpoint_id = request.query.get("endpointId")
    if not endpoint_id:
        raise bad_request("missing_endpoint_id", "Give the endpoint to delete: ?endpointId=<id>.")
    row = schemas.is_uuid(endpoint_id) and await request.app[SERVICES].store.delete_endpoint(
        request[TENANT], endpoint_id.lower())
    if not row:
        raise ApiError(404, "endpoint_not_found", "No webhook endpoint with this endpointId exists.")
    return web.json_response(endpoint_object(row))


async def rotate_endpoint_secret(request: web.Request) -> web.Response:
    grace_s = await _grace_seconds(request)
    endpoint_id = request.match_info["endpointId"]
    rotated = schemas.is_uuid(endpoint_id) and await rotate_secret(
        request.app[SERVICES].store.db, request[TENANT], endpoint_id.lower(), grace_s)
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
    # The one this tenant's deliveries meet: the bound API port included, narrowed if so.
    policy = request.app[SERVICES].webhook_worker.policy_for(request[TENANT])
    try:
        async with asyncio.timeout(URL_CHECK_TIMEOUT_S):
            await policy.check_url_resolved(url, ThreadedResolver())
    except DestinationRefused as exc:
        raise bad_request("url_refused", f"This webhook URL is not allowed: {exc}.", field="url")
    except (OSError, asyncio.TimeoutError):
        pass


async def _grace_seconds(request: web.Request) -> float:
    default = request.app[SERVICES].config.webhooks.secret_grace_s
    if not request.can_read_body:
        return default
    body = schemas.json_object(await json_body(request))
    schemas.reject_unknown(body, {"gracePeriodSeconds"})
    grace = body.get("gracePeriodSeconds", default)
    if isinstance(grace, bool) or not isinstance(grace, (int, float)) or not 0 <= grace <= schemas.MAX_SECRET_GRACE_S:
        raise bad_request("invalid_field", f"gracePeriodSeconds must be a number from 0 to {schemas.MAX_SECRET_GRACE_S}.",
                          field="gracePeriodSeconds")
    return float(grace)
