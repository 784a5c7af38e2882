"""Errors to JSON, and the API key to a tenant."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from faxgw.api.access import OPS_PATHS, PUBLIC_PATHS, is_admin_path
from faxgw.api.disk_space import is_disk_full, space_of
from faxgw.api.errors import ApiError, error_response, fax_not_found
from faxgw.api.keys import SERVICES, TENANT
from faxgw.api.openapi import allowed_methods
from faxgw.api.views.fax_submission import FORM_OVERHEAD_BYTES
from faxgw.lifecycle import TransitionRefused
from faxgw.store import NotFound

log = logging.getLogger(__name__)

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large",
               400: "bad_request", 415: "unsupported_media_type"}


@web.middleware
async def errors(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        resp = exc.response()
        if exc.status == 413:
            return await _answer_then_drain(request, resp)
        return resp
    except NotFound:
        return fax_not_found().response()
    except TransitionRefused as exc:
        return error_response(409, "invalid_status", str(exc), faxStatus=exc.current.value,
                              action=exc.action.value)
    except ConnectionResetError:
        # The client went away mid-request (a dropped upload): nothing of ours failed, and
        # the handler has already thrown away what it had staged. Nobody reads the answer.
        log.info("client went away during %s %s", request.method, request.path)
        return error_response(400, "client_disconnected", "The connection was lost during the request.")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        resp = error_response(exc.status, code, exc.reason)
        if exc.status == 405:
            allow = allowed_methods(request.path)
            resp.headers["Allow"] = ",".join(allow) if allow else exc.headers.get("Allow", "")
        return resp
    except Exception as exc:
        if not is_disk_full(exc):
            log.exception("unhandled error in %s %s", request.method, request.path)
            return error_response(500, "internal_error", "The server failed to handle the request.")
        log.error("disk full during %s %s: %s", request.method, request.path, exc)
        services = request.app[SERVICES]
        space = space_of(services.state.root, services.config.storage.reserve_bytes, fresh=True)
        return space.refusal().response()


# Requests that write nothing although they POST: searches.
_READ_ONLY_POSTS = frozenset({"/fax/search", "/received/search"})


@web.middleware
async def storage_reserve(request: web.Request, handler) -> web.StreamResponse:
    """507 for a write while the disk is below its reserve (see faxgw/api/disk_space.py)."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.path in _READ_ONLY_POSTS:
        return await handler(request)
    services = request.app[SERVICES]
    space = space_of(services.state.root, services.config.storage.reserve_bytes)
    if space.low:
        raise space.refusal()
    return await handler(request)


# After a 413 the rest of the upload is read and dropped, within these bounds, then the
# connection closes. Closing with unread bytes makes the kernel answer them with a RST, and a
# RST can destroy our 413 in the client's receive buffer before the client reads it: a client
# that sends its whole body before reading (most simple HTTP libraries) would see "connection
# reset" instead of the answer. So: answer, half-close (FIN after the 413: a client that reads
# while sending has all of it at once), then drain at most as much again as an accepted upload
# could be (the configured limit plus the form's overhead) for at most DRAIN_S seconds. Nothing
# drained is stored or parsed. Past the bounds we close anyway. A client that sends
# `Expect: 100-continue` (curl does for large bodies) gets the 413 before it sends anything
# (submit.expect_upload).
DRAIN_S = 10.0


async def _answer_then_drain(request: web.Request, resp: web.Response) -> web.Response:
    resp.force_close()
    # Our bounded drain replaces aiohttp's lingering close, which reads for 10 s with no
    # bound on bytes; there is no per-request switch, and this connection closes after us.
    if hasattr(request.protocol, "_lingering_time"):
        request.protocol._lingering_time = 0.0
    try:
        await resp.prepare(request)
        await resp.write_eof()
        transport = request.transport
        if transport is not None and transport.can_write_eof():
            transport.write_eof()
        budget = request.app[SERVICES].config.limits.max_upload_bytes + FORM_OVERHEAD_BYTES
        seen = 0
        async with asyncio.timeout(DRAIN_S):
            while seen < budget and (chunk := await request.content.readany()):
                seen += len(chunk)
    except (TimeoutError, ConnectionError, HttpProcessingError, RuntimeError):
        pass  # the client went away or stalled: the answer was sent, we close
    return resp


@web.middleware
async def auth(request: web.Request, handler) -> web.StreamResponse:
    if request.path in PUBLIC_PATHS:
        return await handler(request)
    if request.path in OPS_PATHS or is_admin_path(request.path):  # see faxgw/api/access.py
        return await handler(request)
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    tenant_id = None
    if scheme.lower() == "bearer" and key.strip():
        tenant_id = await request.app[SERVICES].store.tenant_for_key(key.strip())
    if tenant_id is None:
        resp = error_response(401, "unauthorized",
                              "A valid API key is required: Authorization: Bearer <key>.")
        resp.headers["WWW-Authenticate"] = 'Bearer realm="faxgw"'
        return resp
    request[TENANT] = tenant_id
    return await handler(request)
