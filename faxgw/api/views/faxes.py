"""A tenant's faxes: get one, search, and the actions (stop, retry, hold, revive); POST /fax
is in fax_submission. A handler never runs a call."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from faxgw.api import schemas
from faxgw.api.cursors import decode_cursor, digest_of, encode_cursor
from faxgw.api.errors import bad_request
from faxgw.api.keys import SERVICES, TENANT
from faxgw.api.reading import e164_of, json_body, path_fax_id
from faxgw.store import SearchQuery
from faxgw.store.rows import fax_object

SEARCH_FIELDS = {"faxId", "faxSentDate", "faxSentDateBefore", "faxNumber", "faxStatus",
                 "showFaxStatusChangeHistory", "limit", "cursor"}


async def get_fax(request: web.Request) -> web.Response:
    row = await request.app[SERVICES].store.get_fax(request[TENANT], path_fax_id(request))
    return web.json_response(fax_object(row))


async def stop_fax(request: web.Request) -> web.Response:
    row = await request.app[SERVICES].store.stop(request[TENANT], path_fax_id(request))
    return web.json_response(fax_object(row))


async def retry_fax(request: web.Request) -> web.Response:
    if request.can_read_body and await request.read():
        # The reference's retry takes no adjustments: a body would be ignored, and the
        # client would believe its change was made.
        raise bad_request("unexpected_body", "PUT /fax/{faxId}/retry takes no body: the fax is "
                                             "retried as it was submitted; to change it, submit "
                                             "a new fax.")
    row = await request.app[SERVICES].store.retry(request[TENANT], path_fax_id(request))
    return web.json_response(fax_object(row))


async def hold_fax(request: web.Request) -> web.Response:
    row = await request.app[SERVICES].store.hold(request[TENANT], path_fax_id(request))
    return web.json_response(fax_object(row))


async def revive_fax(request: web.Request) -> web.Response:
    row = await request.app[SERVICES].store.revive(request[TENANT], path_fax_id(request))
    return web.json_response(fax_object(row))


async def search_faxes(request: web.Request) -> web.Response:
    body = schemas.json_object(await json_body(request))
    schemas.reject_unknown(body, SEARCH_FIELDS)
    query = _search_query(request, body)
    rows, histories, more = await request.app[SERVICES].store.search(query)
    faxes = [fax_object(r, histories.get(r["id"]) if query.with_history else None) for r in rows]
    cursor = encode_cursor(rows[-1], _filters_digest(query)) if more else None
    return web.json_response({"faxes": faxes, "nextCursor": cursor})


def _search_query(request: web.Request, body: dict) -> SearchQuery:
    limits = request.app[SERVICES].config.limits
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
        fax_number=None if number is None else e164_of(request, schemas.phone_number(number, "faxNumber")),
        statuses=None if body.get("faxStatus") is None else schemas.status_list(body["faxStatus"]),
        limit=limit, with_history=history)
    if body.get("cursor") is None:
        return query
    return dataclasses.replace(query, after=decode_cursor(body["cursor"], _filters_digest(query)))


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


