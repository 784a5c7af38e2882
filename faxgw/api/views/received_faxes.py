"""A tenant's received faxes: list/search, get, download as PDF or TIFF, one page as PNG,
mark read, delete. The admin's view of faxes no route matched is in ``admin``.

Same rules as the fax endpoints: the API key decides the tenant, another tenant's fax (or
one kept for the admin) answers exactly like one that does not exist, errors are
``{"code", "message"}``.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from pathlib import Path

from aiohttp import web

from faxgw.api import schemas
from faxgw.api.access import is_admin_path
from faxgw.api.cursors import decode_cursor, digest_of, encode_cursor
from faxgw.api.errors import ApiError, bad_request
from faxgw.api.keys import SERVICES, TENANT
from faxgw.api.reading import json_body
from faxgw.inbound.record import PDF_NAME, TIFF_NAME, page_name
from faxgw.store.received import ReceivedQuery, ReceivedStore

SEARCH_FIELDS = {"receivedDate", "receivedDateBefore", "sender", "unreadOnly", "limit", "cursor"}
MAX_SENDER = 64


def not_found() -> ApiError:
    return ApiError(404, "received_fax_not_found", "No received fax with this receivedId exists.")


def received_store(request: web.Request) -> ReceivedStore:
    return ReceivedStore(request.app[SERVICES].store.db)


def path_received_id(request: web.Request) -> str:
    received_id = request.match_info["receivedId"]
    if not schemas.is_uuid(received_id):
        raise not_found()
    return received_id.lower()


async def find(request: web.Request, with_session: bool = False) -> dict:
    """The request's tenant's fax; for the admin's paths, one no route matched."""
    tenant_id = None if is_admin_path(request.path) else request[TENANT]
    found = await received_store(request).get(tenant_id, path_received_id(request), with_session)
    if found is None:
        raise not_found()
    return found


# --- tenant endpoints ---------------------------------------------------------------------
async def get_received(request: web.Request) -> web.Response:
    show = request.query.get("showSession", "false")
    if show not in ("true", "false"):
        raise bad_request("invalid_field", "showSession must be true or false.", field="showSession")
    return web.json_response((await find(request, show == "true"))["object"])


async def search_received(request: web.Request) -> web.Response:
    body = schemas.json_object(await json_body(request))
    schemas.reject_unknown(body, SEARCH_FIELDS)
    query = search_query(request, body, request[TENANT], unrouted=False)
    faxes, last = await received_store(request).search(query)
    return web.json_response({"receivedFaxes": faxes, "nextCursor": next_cursor(query, last)})


def search_query(request: web.Request, body: dict, tenant_id: str | None, unrouted: bool) -> ReceivedQuery:
    limits = request.app[SERVICES].config.limits
    limit = schemas.integer(body.get("limit", limits.search_page_size))
    if limit is None or not 1 <= limit <= limits.search_page_size_max:
        raise bad_request("invalid_field", f"limit must be an integer from 1 to {limits.search_page_size_max}.",
                          field="limit")
    sender = body.get("sender")
    if sender is not None and (not isinstance(sender, str) or not 1 <= len(sender) <= MAX_SENDER):
        raise bad_request("invalid_field", f"sender must be 1 to {MAX_SENDER} characters.", field="sender")
    unread = body.get("unreadOnly", False)
    if not isinstance(unread, bool):
        raise bad_request("invalid_field", "unreadOnly must be true or false.", field="unreadOnly")
    query = ReceivedQuery(tenant_id, unrouted, sender=sender, unread_only=unread, limit=limit,
                          after=(-1, ""))
    if body.get("receivedDate") is not None:
        query = replace(query, since_ms=schemas.instant_ms(body["receivedDate"], "receivedDate"))
    if body.get("receivedDateBefore") is not None:
        query = replace(query, before_ms=schemas.instant_ms(body["receivedDateBefore"],
                                                             "receivedDateBefore"))
    if body.get("cursor") is not None:
        query = replace(query, after=decode_cursor(body["cursor"], _filters_digest(query)))
    return query


def _filters_digest(query: ReceivedQuery) -> str:
    """A cursor is bound to the filters of the search that made it, as /fax/search's is:
    the same cursor with other filters is refused, never a silently wrong page."""
    return digest_of(["received", query.tenant_id, query.unrouted, query.sender, query.unread_only,
                      query.since_ms, query.before_ms])


def next_cursor(query: ReceivedQuery, last: tuple[int, str] | None) -> str | None:
    if last is None:
        return None
    return encode_cursor({"created_ms": last[0], "id": last[1]}, _filters_digest(query))


async def mark_read(request: web.Request) -> web.Response:
    received_id = path_received_id(request)
    if not await received_store(request).mark_read(request[TENANT], received_id):
        raise not_found()
    return web.json_response((await find(request))["object"])


async def delete_received(request: web.Request) -> web.Response:
    found = await find(request)
    if found["row"]["status"] == "receiving":
        raise ApiError(409, "still_receiving", "The fax is still being received; delete it after the call.")
    folder = await received_store(request).delete(request[TENANT], found["row"]["id"])
    if folder is None:  # deleted by a concurrent request
        raise not_found()
    # The row first, then the files: a crash in between leaves files no record points to,
    # never a record whose files are gone.
    await asyncio.to_thread(shutil.rmtree, request.app[SERVICES].state.root / folder, True)
    return web.json_response(found["object"])


def _file(request: web.Request, found: dict, name: str) -> Path:
    row = found["row"]
    if row["files_purged_ms"] is not None:
        raise ApiError(410, "files_deleted", "The fax's files were deleted after the retention period.")
    path = request.app[SERVICES].state.root / row["folder"] / name
    if row["status"] == "receiving" and name in (PDF_NAME, TIFF_NAME):
        raise ApiError(409, "still_receiving", "The fax is still being received; its pages "
                       "can be fetched one by one, the whole document after the call.")
    if not path.is_file():
        raise ApiError(404, "no_document", "This received fax has no pages.")
    return path


async def download_pdf(request: web.Request) -> web.StreamResponse:
    found = await find(request)
    return _send(_file(request, found, PDF_NAME), "application/pdf", found, "pdf")


async def download_tiff(request: web.Request) -> web.StreamResponse:
    found = await find(request)
    return _send(_file(request, found, TIFF_NAME), "image/tiff", found, "tif")


async def page_png(request: web.Request) -> web.StreamResponse:
    found = await find(request)
    text = request.match_info["n"]
    number = schemas.ascii_int(text)
    if number is None:
        raise bad_request("invalid_page_number", "The page number must be written in ASCII digits (1, 2, ...).")
    if not 1 <= number <= found["row"]["page_count"]:
        raise ApiError(404, "page_not_found", f"This received fax has no page {text[:20]}.")
    path = _file(request, found, page_name(number))
    return _send(path, "image/png", found, f"page-{number}.png")


def _send(path: Path, content_type: str, found: dict, suffix: str) -> web.StreamResponse:
    name = f"received-{found['row']['id']}.{suffix}"
    return web.FileResponse(path, headers={"Content-Type": content_type,
                                           "Content-Disposition": f'attachment; filename="{name}"',
                                           "Cache-Control": "private, max-age=3600"})
