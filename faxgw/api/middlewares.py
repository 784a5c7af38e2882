"""Errors to JSON, and the API key to a tenant."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from faxgw.api.errors import ApiError, error_response, fax_not_found
from faxgw.api.keys import STORE, TENANT
from faxgw.api.openapi import allowed_methods
from faxgw.api.ops_views import OPS_PATHS
from faxgw.api.received_views import is_admin_path
from faxgw.lifecycle import TransitionRefused
from faxgw.store import NotFound

log = logging.getLogger(__name__)

# Readable without a key: the API's own description and a liveness probe.
PUBLIC_PATHS = frozenset({"/openapi.json", "/docs", "/healthz"})
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large",
               400: "bad_request", 415: "unsupported_media_type"}


@web.middleware
async def errors(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        resp = exc.response()
        if exc.status == 413:
            await _no_lingering(request, resp)
        return resp
    except NotFound:
        return fax_not_found().response()
    except TransitionRefused as exc:
        return error_response(409, "invalid_status", str(exc), faxStatus=exc.current.value,
                              action=exc.action.value)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        resp = error_response(exc.status, code, exc.reason)
        if exc.status == 405:
            allow = allowed_methods(request.path)
            resp.headers["Allow"] = ",".join(allow) if allow else exc.headers.get("Allow", "")
        return resp
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(500, "internal_error", "The server failed to handle the request.")


# A request that overshoots the limit by a little (the closing boundary, a few bytes) is read
# to its end, so that closing does not reset the connection under the client's feet (a close
# with unread bytes makes the kernel send RST, which can discard our answer). Never more.
TAIL_DRAIN_BYTES = 64 * 1024
TAIL_DRAIN_S = 0.5


async def _no_lingering(request: web.Request, resp: web.Response) -> None:
    """After a 413 the rest of the body is not read (beyond a small tail): the connection closes.

    aiohttp normally drains an unread body for `lingering_time` (10 s) so that the client sees
    the answer; for an oversized upload that would mean reading what we refused. There is no
    per-request switch, so the handler's protocol gets a zero lingering time (it is closed
    after this answer anyway). Clients that send `Expect: 100-continue` (curl does for large
    bodies) get the 413 before they send anything, from `expect_upload`.
    """
    resp.force_close()
    seen = 0
    try:
        async with asyncio.timeout(TAIL_DRAIN_S):
            while seen < TAIL_DRAIN_BYTES and (chunk := await request.content.readany()):
                seen += len(chunk)
    except (TimeoutError, ConnectionError):
        pass
    protocol = request.protocol
    if hasattr(protocol, "_lingering_time"):
        protocol._lingering_time = 0.0


@web.middleware
async def auth(request: web.Request, handler) -> web.StreamResponse:
    if request.path in PUBLIC_PATHS:
        return await handler(request)
    if request.path in OPS_PATHS:  # no tenant: public, or the admin key (api/ops_views.py)
        return await handler(request)
    if is_admin_path(request.path):  # issue 12: the admin key (api/received_views.py)
        return await handler(request)
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    tenant_id = None
    if scheme.lower() == "bearer" and key.strip():
        tenant_id = await request.app[STORE].tenant_for_key(key.strip())
    if tenant_id is None:
        resp = error_response(401, "unauthorized",
                              "A valid API key is required: Authorization: Bearer <key>.")
        resp.headers["WWW-Authenticate"] = 'Bearer realm="faxgw"'
        return resp
    request[TENANT] = tenant_id
    return await handler(request)
