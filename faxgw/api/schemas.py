"""Validation of request fields. Each check returns the clean value or raises ApiError(400)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from faxgw.api.errors import ApiError, bad_request
from faxgw.store.received_objects import EVENTS as INBOUND_EVENTS
from faxgw.lifecycle import Status

RESOLUTIONS = ("standard", "fine", "superfine")
MAX_METADATA_KEYS = 50
MAX_METADATA_KEY = 100
MAX_METADATA_VALUE = 1000
MAX_HEADER_LINE = 100
MAX_COVER_PAGE_BYTES = 16 * 1024
MAX_IDEMPOTENCY_KEY = 255
MAX_SEARCH_IDS = 1000
MAX_URL = 2048
# How long a rotated webhook secret may keep signing beside the new one.
MAX_SECRET_GRACE_S = 7 * 24 * 3600

# Separators people write in phone numbers; dropped before the digits are checked.
_SEPARATORS = re.compile(r"[ \-.()/]")
# E.164: + then 7..15 digits; or a national/internal number of 2..20 digits.
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_NATIONAL = re.compile(r"^[0-9]{2,20}$")
# The same rule as a JSON-schema pattern, for the OpenAPI document.
_SEP = r"[ \-.()/]"
PHONE_PATTERN = (rf"^(?:{_SEP}*\+{_SEP}*[1-9](?:{_SEP}*[0-9]){{6,14}}{_SEP}*"
                 rf"|{_SEP}*(?:[0-9]{_SEP}*){{2,20}})$")
_PRINTABLE = re.compile(r"^[\x20-\x7e\u00a0-\uffff]*$")


def phone_number(value: Any, field: str = "phoneNumber") -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_request("invalid_phone_number", f"{field} is required: the number to fax to.")
    digits = _SEPARATORS.sub("", value)
    if not (_E164.match(digits) or _NATIONAL.match(digits)):
        raise bad_request(
            "invalid_phone_number",
            f"{field} {value[:40]!r} is not a dialable number: use E.164 (+15551234567) "
            "or 2 to 20 digits; spaces, dashes, dots and parentheses are ignored.",
        )
    return digits


def metadata(text: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except ValueError:
        raise bad_request("invalid_metadata", "metadata must be a JSON object of string keys and string values.")
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise bad_request("invalid_metadata", "metadata must be a JSON object of string keys and string values.")
    if len(value) > MAX_METADATA_KEYS:
        raise bad_request("invalid_metadata", f"metadata may have at most {MAX_METADATA_KEYS} keys.")
    for k, v in value.items():
        if len(k) > MAX_METADATA_KEY or len(v) > MAX_METADATA_VALUE:
            raise bad_request(
                "invalid_metadata",
                f"metadata keys are at most {MAX_METADATA_KEY} and values {MAX_METADATA_VALUE} characters.",
            )
    return value


def resolution(text: str) -> str:
    if text not in RESOLUTIONS:
        raise bad_request("invalid_resolution", f"resolution must be one of {', '.join(RESOLUTIONS)}.")
    return text


def header_line(text: str) -> str:
    if len(text) > MAX_HEADER_LINE or not _PRINTABLE.match(text):
        raise bad_request("invalid_header_line",
                          f"headerLine must be printable text of at most {MAX_HEADER_LINE} characters.")
    _drawable(text, "headerLine")
    return text


def _drawable(text: str, field: str) -> None:
    """Text faxgw prints on a page must be in its font: the far end would get "?" for the
    rest, which nobody asked for. 422 names the characters, as for a text document."""
    from faxgw.documents.fonts import missing_glyphs

    missing = missing_glyphs(text)
    if missing:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing)
        raise ApiError(422, "text_unprintable",
                       f"{field} has characters the fax font cannot print: {shown}.", field=field)


def cover_page(text: str) -> dict:
    if len(text.encode()) > MAX_COVER_PAGE_BYTES:
        raise bad_request("invalid_cover_page", f"coverPage must be at most {MAX_COVER_PAGE_BYTES} bytes of JSON.")
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise bad_request("invalid_cover_page", "coverPage must be a JSON object.")
    for name, field_value in value.items():
        if isinstance(field_value, str):
            _drawable(field_value, f"coverPage.{name}")
    return value


def idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not 1 <= len(value) <= MAX_IDEMPOTENCY_KEY or not _PRINTABLE.match(value):
        raise bad_request("invalid_idempotency_key",
                          f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters.")
    return value


_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(value: str) -> bool:
    """A UUID in its canonical 8-4-4-4-12 form (any case), as faxgw writes ids."""
    return isinstance(value, str) and _UUID_TEXT.fullmatch(value) is not None


def instant_ms(value: Any, field: str) -> int:
    """A date (midnight UTC) or a date-time (UTC unless it says otherwise) as epoch ms."""
    if not isinstance(value, str):
        raise bad_request("invalid_date", f"{field} must be a date (2024-11-15) or a date-time in UTC.")
    text = value.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            dt = datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
        else:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=timezone.utc)
        return int(dt.timestamp() * 1000)
    except (ValueError, OverflowError, OSError):
        raise bad_request("invalid_date", f"{field} {value[:40]!r} is not a date (2024-11-15) or date-time.")


def status_list(value: Any) -> list[str]:
    names = [s.strip(" ") for s in value.split(",")] if isinstance(value, str) else None
    valid = {s.value for s in Status}
    if not names or not all(n in valid for n in names):
        raise bad_request("invalid_fax_status", f"faxStatus must be one or more of {', '.join(sorted(valid))}, comma-separated.")
    return names


def webhook_url(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_URL:
        raise bad_request("invalid_url", "url must be an http or https URL.")
    try:
        parts = urlsplit(value)
        parts.port  # raises ValueError on a bad port
    except ValueError:
        raise bad_request("invalid_url", "url must be an http or https URL.")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise bad_request("invalid_url", "url must be an http or https URL with a host and no credentials.")
    return value


def event_list(value: Any) -> list[str]:
    valid = {s.value for s in Status} | set(INBOUND_EVENTS)
    if value is None:
        return sorted(valid)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v in valid for v in value):
        raise bad_request("invalid_events", f"events must be a non-empty list of fax statuses or received-fax events: {', '.join(sorted(valid))}.")
    return sorted(set(value))


def json_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise bad_request("invalid_body", "The request body must be a JSON object.")
    return body


def reject_unknown(body: dict, known: set[str]) -> None:
    """Unknown fields and explicit nulls are refused: leave a field out to mean "not given"."""
    unknown = sorted(set(body) - known)
    if unknown:
        raise ApiError(400, "unknown_field", f"Unknown field {unknown[0]!r}.", field=unknown[0])
    nulls = sorted(k for k, v in body.items() if v is None)
    if nulls:
        raise ApiError(400, "invalid_field", f"{nulls[0]} must not be null; leave it out instead.", field=nulls[0])


def integer(value: Any) -> int | None:
    """An integer, also when JSON wrote it as 241.0 (JSON Schema counts that as an integer)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else None
