"""Validation of request fields. Each check returns the clean value or raises ApiError(400)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from faxgw.api.errors import ApiError, bad_request
from faxgw.documents.service import COVER_KEYS
from faxgw.phone import SEPARATORS
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

_SEPARATORS = SEPARATORS  # people's separators in phone numbers: faxgw.phone's
# E.164: + then 7..15 digits; or a national/internal number of 2..20 digits.
# fullmatch, never "$": "$" also matches before a final newline ("+15550100\n").
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_NATIONAL = re.compile(r"[0-9]{2,20}")
# The same rule as a JSON-schema pattern, for the OpenAPI document.
_SEP = r"[ \-.()/]"
PHONE_PATTERN = (rf"^(?:{_SEP}*\+{_SEP}*[1-9](?:{_SEP}*[0-9]){{6,14}}{_SEP}*"
                 rf"|{_SEP}*(?:[0-9]{_SEP}*){{2,20}})$")
_PRINTABLE = re.compile(r"[\x20-\x7e\u00a0-\uffff]*")
# Nesting allowed in a JSON value a client sends; every field faxgw takes is flat or nearly.
MAX_JSON_DEPTH = 32


def phone_number(value: Any, field: str = "phoneNumber") -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_request("invalid_phone_number", f"{field} is required: the number to fax to.")
    digits = _SEPARATORS.sub("", value)
    if not (_E164.fullmatch(digits) or _NATIONAL.fullmatch(digits)):
        raise bad_request(
            "invalid_phone_number",
            f"{field} {value[:40]!r} is not a dialable number: use E.164 (+15551234567) "
            "or 2 to 20 digits; spaces, dashes, dots and parentheses are ignored.",
        )
    return digits


def parse_json(text: str | bytes) -> Any:
    """json.loads for what a client sent: ValueError also for nesting deeper than
    MAX_JSON_DEPTH (the parser itself would raise RecursionError at ~1000 levels, and code
    that walks the value later could at fewer)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError("nested too deeply")
    return value


def json_depth(value: Any) -> int:
    """Levels of arrays and objects in a parsed JSON value, walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def ascii_int(text: str | None) -> int | None:
    """A decimal written in ASCII digits, or None: str.isdigit() is also true of "²" and
    "٣", which int() refuses or reads as a digit nobody typed."""
    if text is None or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def metadata(text: str) -> dict[str, str]:
    try:
        value = parse_json(text)
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
    if len(text) > MAX_HEADER_LINE or not _PRINTABLE.fullmatch(text):
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


# --- recipient pinning ---
MAX_CSI = 20  # T.30 5.3.6.2.4: the CSI is 20 characters


def verify_recipient(text: str) -> bool:
    if text not in ("true", "false"):
        raise bad_request("invalid_verify_recipient", "verifyRecipient must be true or false.")
    return text == "true"


def expected_csi(text: str) -> str:
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_CSI or not _PRINTABLE.match(stripped) \
            or not stripped.isascii():
        raise bad_request("invalid_expected_csi",
                          f"expectedCsi must be 1 to {MAX_CSI} printable ASCII characters.")
    return stripped


def recipient_fields(values: dict[str, Any]) -> tuple[bool, str | None]:
    """(verify, expected CSI) of a submission; expectedCsi means nothing without verifying."""
    verify, expected = values.get("verifyRecipient", False), values.get("expectedCsi")
    if expected is not None and not verify:
        raise bad_request("invalid_expected_csi", "expectedCsi needs verifyRecipient=true.")
    return verify, expected
# --- end recipient pinning ---


def cover_page(text: str) -> dict:
    if len(text.encode()) > MAX_COVER_PAGE_BYTES:
        raise bad_request("invalid_cover_page", f"coverPage must be at most {MAX_COVER_PAGE_BYTES} bytes of JSON.")
    try:
        value = parse_json(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise bad_request("invalid_cover_page", "coverPage must be a JSON object.")
    unknown = sorted(set(value) - set(COVER_KEYS))
    if unknown:  # as an unknown form field is: a typo would silently leave the cover blank
        raise bad_request("invalid_cover_page",
                          f"coverPage has an unknown key {unknown[0][:40]!r}; the keys are "
                          f"{', '.join(sorted(COVER_KEYS))}.", field=f"coverPage.{unknown[0][:40]}")
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
    if not isinstance(value, list) or not value:
        raise bad_request("invalid_events", f"events must be a non-empty list of fax statuses or received-fax events: {', '.join(sorted(valid))}.")
    bad = [v for v in value if not (isinstance(v, str) and v in valid)]
    if bad:
        shown = json.dumps(bad[0])[:60]
        raise bad_request("invalid_events", f"events: {shown} is not a fax status or received-fax event; "
                                            f"the events are {', '.join(sorted(valid))}.", event=shown)
    return sorted(set(value))


def json_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise bad_request("invalid_body", "The request body must be a JSON object.")
    return body


# Names an answer carries that a client may copy into its next request by mistake.
_REQUEST_NAMES = {"nextCursor": "cursor"}
_REQUEST_NAMES_WHY = {"nextCursor": "the next page is asked for with cursor set to the "
                                    "previous answer's nextCursor"}


def reject_unknown(body: dict, known: set[str]) -> None:
    """Unknown fields and explicit nulls are refused: leave a field out to mean "not given"."""
    unknown = sorted(set(body) - known)
    if unknown:
        name = unknown[0]
        hint = _REQUEST_NAMES.get(name)
        tail = f"; did you mean {hint!r}? ({_REQUEST_NAMES_WHY[name]})" if hint in known else "."
        raise ApiError(400, "unknown_field", f"Unknown field {name!r}{tail}", field=name)
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
