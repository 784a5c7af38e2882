"""ATD's part that every fax class shares (V.250 6.3.1): check the dial string, go off
hook, place the call through the exchange, report a call that did not connect. What follows
the connection (Class 1 frames, Class 2 firmware) belongs to each class."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .line import Call
    from .modem import Modem

DONE = "DONE"
ERROR = "ERROR"


async def place_call(modem: "Modem", dial_string: str) -> "Call | str":
    """The connected call, or the command's outcome when there is none: ERROR for a modem
    already in a call or a string without digits, DONE once BUSY, NO CARRIER, ... is sent."""
    if modem.call is not None:
        return ERROR
    digits = "".join(c for c in dial_string if c.isdigit() or c in "*#+")
    if not digits:
        return ERROR
    modem.off_hook = True
    modem.line_dead = False
    modem.abortable("NO CARRIER")  # a character aborts dialing
    blind = modem.x_level in (0, 1, 3) or "W" in dial_string.upper()
    code, call = await modem.exchange.place_call(
        modem, digits, blind=blind, report_busy=modem.x_level >= 3, s7_line_s=modem.s[7])
    if call is None:
        modem.off_hook = False
        modem.result(code)
        return DONE
    modem.call = call
    return call
