"""The modem side of the quirks a ``drivers/`` profile names: hw-sim misbehaves as the family
is documented to, so a DTE that ignores a quirk fails against it.

Each function is called from the one place of the command or data state the quirk
changes; without the quirk in the profile each does what T.31 says. The DTE's own waits are
real time, so the quirks that a DTE must wait out are in wall-clock time, not line time.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .modem import Modem

Sink = Callable[[bytes], int]
FCS_OCTETS = 2
DLE_ETX = b"\x10\x03"
DONE = "DONE"

# Modems whose transmitter has run since their last +FRH=3: the next one at a turnaround
# says CONNECT and NO CARRIER at once (rh_connect_bug).
_turned_around: "weakref.WeakSet[Modem]" = weakref.WeakSet()


def settling(modem: "Modem", sink: Sink) -> Sink:
    """``sink`` for the image data after +FTM's CONNECT; with ``tm_connect_delay_ms`` the
    bytes the DTE writes within that time after CONNECT are lost (the modem is not ready)."""
    delay_s = int(modem.profile.quirk("tm_connect_delay_ms", 0)) / 1000
    if not delay_s:
        return sink
    ready_at = time.monotonic() + delay_s

    def settle(data: bytes) -> int:
        if time.monotonic() < ready_at:
            _note(modem, f"quirk tm_connect_delay_ms: {len(data)} bytes written before "
                         "the modem was ready lost")
            return len(data)
        return sink(data)
    return settle


def transmitted(modem: "Modem") -> None:
    """The modem's transmitter ran: the next +FRH=3 is a turnaround."""
    if modem.profile.quirk("rh_connect_bug"):
        _turned_around.add(modem)


def false_frh_connect(modem: "Modem") -> bool:
    """With ``rh_connect_bug``, the first +FRH=3 after a turnaround: CONNECT, then NO CARRIER
    before any flags (the DTE must ask again)."""
    if modem not in _turned_around:
        return False
    _turned_around.discard(modem)
    modem.result("CONNECT")
    modem.send_data(DLE_ETX)  # as for a carrier lost before a whole frame (T.31 8.3.6)
    modem.result("NO CARRIER")
    return True


def frame_for_dte(modem: "Modem", line_frame: bytes) -> bytes:
    """What +FRH passes of a received frame: with its FCS octets (T.31 8.3.6), or without
    (``hdlc_fcs_absent``)."""
    return line_frame[:-FCS_OCTETS] if modem.profile.quirk("hdlc_fcs_absent") else line_frame


async def wrong_carrier(modem: "Modem") -> str:
    """+FRH/+FRM heard another modulation: +FCERROR (T.31 8.3.4), or, with
    ``fcerror_never_reported``, nothing until the DTE aborts the command."""
    if not modem.profile.quirk("fcerror_never_reported"):
        modem.result("+FCERROR")
        return DONE
    await asyncio.Event().wait()  # the DTE's character (or the call's end) ends it
    return DONE


def frs_resets(modem: "Modem") -> bool:
    """With ``frs_unusable``, +FRS resets the modem: the call is dropped, the settings are
    the power-on ones, and the DTE hears OK as after ATZ."""
    if not modem.profile.quirk("frs_unusable"):
        return False
    _note(modem, "quirk frs_unusable: +FRS reset the modem")
    modem.hang_up("modem_reset")
    modem.reset_settings()
    return True


def fts_refused(modem: "Modem") -> bool:
    """With ``fts_unusable``, +FTS is refused (ERROR)."""
    return bool(modem.profile.quirk("fts_unusable"))


def class2_rx_bits_flipped(modem: "Modem") -> bool:
    """With ``class2_rx_bit_reversed``, received page data goes to the DTE in the other bit
    order than +FBO/+FBOR asks for."""
    return bool(modem.profile.quirk("class2_rx_bit_reversed"))


def _note(modem: "Modem", text: str) -> None:
    if modem.call is not None:
        modem.call.record.notes.append(f"{modem.name}: {text}")
