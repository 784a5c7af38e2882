"""What handlers read from a request: the JSON body (one reader, one set of 415 and 400
rules) and the fax id of the path."""

from __future__ import annotations

from aiohttp import web

from faxgw.api import schemas
from faxgw.api.errors import ApiError, bad_request, fax_not_found
from faxgw.api.keys import SERVICES
from faxgw.phone import e164


async def json_body(request: web.Request):
    if request.content_type != "application/json":
        raise ApiError(415, "not_json", "This endpoint takes application/json.")
    try:
        return schemas.parse_json(await request.read() or b"null")
    except UnicodeDecodeError:
        raise bad_request("invalid_json", "The request body is not valid JSON.")
    except ValueError as exc:
        if str(exc) == "nested too deeply":
            raise bad_request("json_too_deep",
                              f"The request body nests arrays and objects deeper than {schemas.MAX_JSON_DEPTH} levels.")
        raise bad_request("invalid_json", "The request body is not valid JSON.")


def path_fax_id(request: web.Request) -> str:
    """The path's faxId, lower case. Not a UUID cannot exist: the same 404 as any unknown or
    foreign fax."""
    value = request.match_info["faxId"]
    if not schemas.is_uuid(value):
        raise fax_not_found()
    return value.lower()


def e164_of(request: web.Request, number: str) -> str:
    """``number`` (already validated) in E.164 with the dial plan's country code: what search
    and the one-call-per-number rule compare."""
    plan = request.app[SERVICES].config.dialplan
    return e164(number, plan.country_code, plan.national_prefix)
