"""The admin's received faxes: those no [inbound] route matched (kept, never dropped, until
given to a tenant). The admin key, never a tenant's (faxgw/api/access.py)."""

from __future__ import annotations

from aiohttp import web

from faxgw.api import schemas
from faxgw.api.access import admin_refusal
from faxgw.api.errors import bad_request
from faxgw.api.reading import json_body
from faxgw.api.views.received_faxes import (download_pdf, next_cursor, not_found, path_received_id,
                                            received_store, search_query)


async def admin_list(request: web.Request) -> web.Response:
    if (refusal := admin_refusal(request)) is not None:
        return refusal
    body = {k: v for k, v in request.query.items() if k in ("limit", "cursor")}
    if "limit" in body:
        body["limit"] = schemas.ascii_int(body["limit"])
    query = search_query(request, body, None, unrouted=True)
    faxes, last = await received_store(request).search(query)
    return web.json_response({"receivedFaxes": faxes, "nextCursor": next_cursor(query, last)})


async def admin_pdf(request: web.Request) -> web.StreamResponse:
    """So that the admin can see whose fax it is before giving it to a tenant."""
    if (refusal := admin_refusal(request)) is not None:
        return refusal
    return await download_pdf(request)


async def admin_assign(request: web.Request) -> web.Response:
    if (refusal := admin_refusal(request)) is not None:
        return refusal
    body = schemas.json_object(await json_body(request))
    schemas.reject_unknown(body, {"tenantId"})
    tenant_id = body.get("tenantId")
    store = received_store(request)
    if not isinstance(tenant_id, str) or not schemas.is_uuid(tenant_id) \
            or not await store.tenant_exists(tenant_id.lower()):
        raise bad_request("invalid_tenant", "tenantId must name an existing tenant.", field="tenantId")
    obj = await store.assign(path_received_id(request), tenant_id.lower())
    if obj is None:
        raise not_found()
    return web.json_response(obj)
