"""The admin's view of what faxgw learned per number called: list, read, and set or lock
the values the next call starts from (start speed, ECM, the pinned CSI). The admin key,
never a tenant's (faxgw/api/access.py): a destination is shared by every tenant."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from faxgw.api import schemas
from faxgw.api.access import DESTINATIONS_PREFIX, admin_refusal
from faxgw.api.errors import ApiError, bad_request
from faxgw.api.keys import SERVICES
from faxgw.api.reading import json_body
from faxgw.store import Destination, destination_key
from faxgw.store.destinations import destination_object

BIT_RATES = (14400, 12000, 9600, 7200, 4800, 2400)
SETTABLE = {"startBitRate", "ecm", "pinnedCsi", "locked"}
MAX_LIST = 1000


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get(DESTINATIONS_PREFIX, list_destinations, allow_head=False)
    router.add_get(DESTINATIONS_PREFIX + "/{number}", get_destination, allow_head=False)
    router.add_put(DESTINATIONS_PREFIX + "/{number}", put_destination)


def _key(request: web.Request) -> str:
    raw = request.match_info["number"]
    plan = request.app[SERVICES].config.dialplan
    key = destination_key(raw, plan.country_code, plan.national_prefix)
    if not key or len(key) > 20 or any(c not in "+0123456789 -()." for c in raw):
        raise bad_request("invalid_number", "number must be a phone number (digits, optional "
                          "+, spaces or dashes).", field="number")
    return key


async def list_destinations(request: web.Request) -> web.Response:
    if (refusal := admin_refusal(request)) is not None:
        return refusal
    limit_text = request.query.get("limit", "100")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIST:
        raise bad_request("invalid_limit", f"limit must be 1 to {MAX_LIST}.", field="limit")
    after = request.query.get("after", "")
    if after and not after.isdigit():
        raise bad_request("invalid_after", "after must be the digits of a number.", field="after")
    limit = int(limit_text)
    found = await request.app[SERVICES].store.destinations(after, limit)
    return web.json_response({
        "destinations": [destination_object(d) for d in found],
        "nextAfter": found[-1].number if len(found) == limit else None})


async def get_destination(request: web.Request) -> web.Response:
    if (refusal := admin_refusal(request)) is not None:
        return refusal
    found = await request.app[SERVICES].store.destination(_key(request))
    if found is None:
        raise ApiError(404, "not_found", "Nothing is known about this number yet.")
    return web.json_response(destination_object(found))


async def put_destination(request: web.Request) -> web.Response:
    """Set what the next calls start from; ``locked`` keeps calls from changing it. A
    number not called yet may be set up beforehand (a CSI pinned before the first fax)."""
    if (refusal := admin_refusal(request)) is not None:
        return refusal
    key = _key(request)
    body = schemas.json_object(await json_body(request))
    schemas.reject_unknown(body, SETTABLE)
    store = request.app[SERVICES].store
    current = await store.destination(key) or Destination(number=key)
    saved = await store.save_destination(_apply(current, body))
    return web.json_response(destination_object(saved))


def _apply(d: Destination, body: dict) -> Destination:
    if "startBitRate" in body:
        rate = body["startBitRate"]
        if rate is not None and (schemas.integer(rate) not in BIT_RATES):
            raise bad_request("invalid_start_bit_rate", "startBitRate must be null or one of "
                              f"{', '.join(map(str, BIT_RATES))}.", field="startBitRate")
        d = replace(d, start_bit_rate=None if rate is None else schemas.integer(rate))
    for name, attr in (("ecm", "ecm"), ("locked", "locked")):
        if name in body:
            if not isinstance(body[name], bool):
                raise bad_request(f"invalid_{name}", f"{name} must be true or false.", field=name)
            d = replace(d, **{attr: body[name]})
    if "pinnedCsi" in body:
        csi = body["pinnedCsi"]
        if csi is not None and not isinstance(csi, str):
            raise bad_request("invalid_expected_csi", "pinnedCsi must be a string or null.",
                              field="pinnedCsi")
        d = replace(d, pinned_csi=None if csi is None else schemas.expected_csi(csi))
    return d
