"""Handlers of the fax endpoints other than POST /fax. A handler never runs a call."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json

from aiohttp import web

from faxgw.api import schemas
from faxgw.api.errors import ApiError, bad_request, fax_not_found
from faxgw.api.keys import CONFIG, STORE, TENANT
from faxgw.store import SearchQuery
from faxgw.store.rows import attempt_object, fax_object

CURSOR_DIGEST_HEX = 16  # 64 bits: enough to tell two filter sets apart, a short cursor
SEARCH_FIELDS = {"faxId", "faxSentDate", "faxSentDateBefore", "faxNumber", "faxStatus",
                 "showFaxStatusChangeHistory", "limit", "cursor"}


def _fax_id(request: web.Request) -> str:
    fax_id = request.match_info["faxId"]
    # Not a UUID cannot exist: the same 404 as any unknown or foreign fax.
    if not schemas.is_uuid(fax_id):
        raise fax_not_found()
    return fax_id.lower()


async def get_fax(request: web.Request) -> web.Response:
    row = await request.app[STORE].get_fax(request[TENANT], _fax_id(request))
    return web.json_response(fax_object(row))


async def stop_fax(request: web.Request) -> web.Response:
    row = await request.app[STORE].stop(request[TENANT], _fax_id(request))
    return web.json_response(fax_object(row))


async def retry_fax(request: web.Request) -> web.Response:
    row = await request.app[STORE].retry(request[TENANT], _fax_id(request))
    return web.json_response(fax_object(row))


async def hold_fax(request: web.Request) -> web.Response:
    row = await request.app[STORE].hold(request[TENANT], _fax_id(request))
    return web.json_response(fax_object(row))


async def revive_fax(request: web.Request) -> web.Response:
    row = await request.app[STORE].revive(request[TENANT], _fax_id(request))
    return web.json_response(fax_object(row))


async def list_attempts(request: web.Request) -> web.Response:
    store = request.app[STORE]
    fax = await store.get_fax(request[TENANT], _fax_id(request))
    attempts = [attempt_object(a) for a in await store.attempts(fax["id"])]
    return web.json_response({"faxId": fax["id"], "attempts": attempts})


async def get_attempt(request: web.Request) -> web.Response:
    store = request.app[STORE]
    fax = await store.get_fax(request[TENANT], _fax_id(request))
    attempt_id = request.match_info["attemptId"]
    row = schemas.is_uuid(attempt_id) and await store.attempt(fax["id"], attempt_id.lower())
    if not row:
        raise ApiError(404, "attempt_not_found", "This fax has no attempt with this attemptId.")
    return web.json_response(attempt_object(row))


async def search_faxes(request: web.Request) -> web.Response:
    body = schemas.json_object(await _json_body(request))
    schemas.reject_unknown(body, SEARCH_FIELDS)
    query = _search_query(request, body)
    rows, histories, more = await request.app[STORE].search(query)
    faxes = [fax_object(r, histories.get(r["id"]) if query.with_history else None) for r in rows]
    cursor = _encode_cursor(rows[-1], _filters_digest(query)) if more else None
    return web.json_response({"faxes": faxes, "nextCursor": cursor})


def _search_query(request: web.Request, body: dict) -> SearchQuery:
    limits = request.app[CONFIG].limits
    ids = _fax_ids(body.get("faxId"))
    since = body.get("faxSentDate")
    if ids is None and since is None:
        raise bad_request("missing_search_key", "Give faxId (comma-separated ids) or faxSentDate, or both.")
    history = body.get("showFaxStatusChangeHistory", False)
    if not isinstance(history, bool):
        raise bad_request("invalid_field", "showFaxStatusChangeHistory must be true or false.",
                          field="showFaxStatusChangeHistory")
    limit = schemas.integer(body.get("limit", limits.search_page_size))
    if limit is None or not 1 <= limit <= limits.search_page_size_max:
        raise bad_request("invalid_field", f"limit must be an integer from 1 to {limits.search_page_size_max}.",
                          field="limit")
    number = body.get("faxNumber")
    query = SearchQuery(
        tenant_id=request[TENANT], fax_ids=ids,
        since_ms=None if since is None else schemas.instant_ms(since, "faxSentDate"),
        before_ms=_optional_instant(body, "faxSentDateBefore"),
        fax_number=None if number is None else schemas.phone_number(number, "faxNumber"),
        statuses=None if body.get("faxStatus") is None else schemas.status_list(body["faxStatus"]),
        limit=limit, with_history=history)
    if body.get("cursor") is None:
        return query
    return dataclasses.replace(query, after=_decode_cursor(body["cursor"], _filters_digest(query)))


def _fax_ids(value) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request("invalid_field", "faxId must be a string of comma-separated ids.", field="faxId")
    ids = [i.strip().lower() for i in value.split(",") if i.strip()]
    if not ids or len(ids) > schemas.MAX_SEARCH_IDS:
        raise bad_request("invalid_field", f"faxId must hold 1 to {schemas.MAX_SEARCH_IDS} ids.", field="faxId")
    return ids


def _optional_instant(body: dict, name: str) -> int | None:
    return None if body.get(name) is None else schemas.instant_ms(body[name], name)


def _filters_digest(query: SearchQuery) -> str:
    """What a cursor is bound to: the filters that decide which faxes the search finds, as
    they are used (normalised, the ids as a set). Not `limit` nor the history flag: a client
    may change the page size or ask for histories from one page to the next."""
    return digest_of([query.tenant_id, sorted(set(query.fax_ids or [])) if query.fax_ids else None,
                      query.since_ms, query.before_ms, query.fax_number,
                      sorted(set(query.statuses)) if query.statuses else None])


def digest_of(filters: list) -> str:
    """What a search's cursor is bound to: a short hash of its filters (JSON values)."""
    return hashlib.sha256(json.dumps(filters, separators=(",", ":")).encode()).hexdigest()[:CURSOR_DIGEST_HEX]


def _encode_cursor(row: dict, digest: str) -> str:
    raw = json.dumps([row["created_ms"], row["id"], digest]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(value, digest: str) -> tuple[int, str]:
    position = None
    if isinstance(value, str):
        try:
            text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            created, fax_id, bound_to = json.loads(text)
            if isinstance(created, int) and not isinstance(created, bool) and isinstance(fax_id, str):
                position = (created, fax_id, bound_to)
        except (TypeError, ValueError, binascii.Error):
            pass
    if position is None:
        raise bad_request("invalid_cursor", "cursor must be a nextCursor value from an earlier search.",
                          field="cursor")
    if position[2] != digest:
        raise bad_request("cursor_mismatch",
                          "This cursor belongs to a search with other filters (faxId, faxSentDate, "
                          "faxSentDateBefore, faxNumber, faxStatus): send it with the filters of the "
                          "search that returned it, or search again without a cursor.", field="cursor")
    return position[0], position[1]


async def _json_body(request: web.Request):
    if request.content_type != "application/json":
        raise ApiError(415, "not_json", "This endpoint takes application/json.")
    try:
        return json.loads(await request.read() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise bad_request("invalid_json", "The request body is not valid JSON.")
