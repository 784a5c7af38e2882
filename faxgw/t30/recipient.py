"""The sender's question before any page: is the machine that answered the one meant?

The engine hands what the far end said about itself in phase B (CSI, NSF, DIS) to the
call's ``RecipientCheck``; its answer is the reason to disconnect, or None to go on.
"""

from __future__ import annotations

from faxgw.session import RecipientCheck, RemoteStation
from faxgw.t30.dis import DisCapabilities
from faxgw.t30.negotiate import capability_names


def refusal(check: RecipientCheck, ident: str | None, nsf: bytes | None,
            remote: DisCapabilities) -> str | None:
    """The check's reason to stop, or None. A check that fails refuses: it cannot decide,
    and a page to the wrong machine cannot be taken back."""
    try:
        return check(RemoteStation(ident, nsf, capability_names(remote)))
    except Exception as exc:  # noqa: BLE001 - any fault of the check refuses
        return f"the recipient check failed: {exc!r}"
