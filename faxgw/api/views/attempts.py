"""A fax's attempts: every call made for it, and one with its T.30 details."""

from __future__ import annotations

from aiohttp import web

from faxgw.api import schemas
from faxgw.api.errors import ApiError
from faxgw.api.keys import SERVICES, TENANT
from faxgw.api.reading import path_fax_id
from faxgw.store.rows import attempt_object


async def list_attempts(request: web.Request) -> web.Response:
    store = request.app[SERVICES].store
    fax = await store.get_fax(request[TENANT], path_fax_id(request))
    attempts = [attempt_object(a) for a in await store.attempts(fax["id"])]
    return web.json_response({"faxId": fax["id"], "attempts": attempts})


async def get_attempt(request: web.Request) -> web.Response:
    store = request.app[SERVICES].store
    fax = await store.get_fax(request[TENANT], path_fax_id(request))
    attempt_id = request.match_info["attemptId"]
    row = schemas.is_uuid(attempt_id) and await store.attempt(fax["id"], attempt_id.lower())
    if not row:
        raise ApiError(404, "attempt_not_found", "This fax has no attempt with this attemptId.")
    return web.json_response(attempt_object(row))
