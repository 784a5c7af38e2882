"""What the scheduler tells about its modems: plain data, a copy taken when asked.

The API and the status line read these, never the pool's modem objects: a handler must
not be able to reach a modem, and a modem's inner workings may change without the API.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModemStatus:
    name: str
    port: str
    service_class: str  # "1" (faxgw runs T.30), "2.0" or "2" (the modem does), or "unknown"
    profile: str | None
    manufacturer: str | None
    model: str | None
    state: str  # idle, busy, offline or probing
    send: bool
    receive: bool
    reason: str  # why the modem is offline or probing; "" when it is usable
    failures_in_a_row: int  # calls in a row that failed because of this modem

    @property
    def usable(self) -> bool:
        return self.state in ("idle", "busy")
