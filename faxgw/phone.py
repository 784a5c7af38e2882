"""Phone numbers: one reading for the API, the queue and the received faxes.

People write a number many ways (``+1 555-0100``, ``5550100``, ``(555) 0100``); fax machines
send theirs as a TSI with spaces of their own (``+1 5550102``). The API keeps what the client
typed (without separators) and, beside it, the E.164 form made with the dial plan's country
code: that is what search and the one-call-per-number rule compare. Numbers from the line are
compared by their digits.
"""

from __future__ import annotations

import re

# Separators people write in phone numbers; dropped before the digits are checked.
SEPARATORS = re.compile(r"[ \-.()/]")
_NOT_DIGITS = re.compile(r"[^0-9]")


def compact(number: str) -> str:
    """The number without separators: digits with an optional leading ``+``."""
    return SEPARATORS.sub("", number)


def e164(number: str, country_code: str = "", national_prefix: str = "") -> str:
    """``+<country><national number>`` for ``number``; a national number (no ``+``) is taken
    as one of ``country_code``, its national prefix (``0`` in Europe, ``1`` in NANP) dropped.
    Without a country code a national number stays as it is: there is nothing to add."""
    number = compact(number)
    if number.startswith("+") or not country_code:
        return number
    if national_prefix and number.startswith(national_prefix):
        number = number[len(national_prefix):]
    return f"+{country_code}{number}"


def digits(text: str) -> str:
    """Only the digits of ``text``: how a TSI, a caller number and a filter are compared."""
    return _NOT_DIGITS.sub("", text)
