"""Search cursors: a position in a search's order, bound to the filters that made it, so that
the same cursor sent with other filters is refused instead of answering a wrong page."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from faxgw.api.errors import bad_request
from faxgw.api.schemas import parse_json

CURSOR_DIGEST_HEX = 16  # 64 bits: enough to tell two filter sets apart, a short cursor


def digest_of(filters: list) -> str:
    """What a search's cursor is bound to: a short hash of its filters (JSON values)."""
    return hashlib.sha256(json.dumps(filters, separators=(",", ":")).encode()).hexdigest()[:CURSOR_DIGEST_HEX]


def encode_cursor(row: dict, digest: str) -> str:
    raw = json.dumps([row["created_ms"], row["id"], digest]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value, digest: str) -> tuple[int, str]:
    position = None
    if isinstance(value, str):
        try:
            text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            created, fax_id, bound_to = parse_json(text)
            # Bounded: SQLite's integers are 64-bit, and a bigger one cannot even be bound.
            if (isinstance(created, int) and not isinstance(created, bool) and 0 <= created < 2**53
                    and isinstance(fax_id, str)):
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
