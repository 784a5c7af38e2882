"""What a call to a number teaches the next one, and the recipient check of a fax.

Pure functions over ``Destination`` (faxgw/store/destinations.py) and ``SessionResult``:

- ``call_options``: the next call starts from what worked (the learned start speed,
  ECM or not) and carries the recipient check when the fax asks for one;
- ``learn``: after each call the record takes the far machine's CSI/NSF/DIS, the rate
  and coding that trained, and the trouble seen. A call whose training failed at a speed
  makes the next start below it (or where the call then trained); a call that failed in
  ECM's page phase makes the next go without ECM. So a retry changes what failed rather
  than repeat it. An admin's lock freezes the start speed, ECM and the pinned CSI.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from faxgw.outcome import Outcome
from faxgw.session import CallOptions, RemoteStation, SessionResult
from faxgw.store import Destination
from faxgw.t30.nsf import vendor

# Training speeds from the top down (T.30 Table 2: V.17, V.29, V.27 ter).
SPEEDS = (14400, 12000, 9600, 7200, 4800, 2400)


def normalise_csi(csi: str | None) -> str:
    """A CSI for comparison: its digits and ``+`` (T.30 5.3.6.2.4: 20 characters, right
    aligned, padded with spaces; machines differ in spacing and dashes). An identity
    with no digit at all is compared as its words."""
    text = (csi or "").strip()
    kept = "".join(c for c in text if c.isdigit() or c == "+")
    return kept if any(c.isdigit() for c in kept) else " ".join(text.upper().split())


@dataclass(frozen=True)
class Pin:
    """The CSI a verified fax must meet, and where it came from."""

    csi: str
    source: str  # "sender" (expectedCsi) or "learned" (an earlier good call)


def pin_for(fax: dict[str, Any] | None, destination: Destination | None) -> Pin | None:
    """The pin of a fax that asked to verify its recipient; None when it did not ask or
    nothing is known yet (the first good call then pins the number)."""
    if not fax or not fax.get("verify_recipient"):
        return None
    if fax.get("expected_csi"):
        return Pin(fax["expected_csi"], "sender")
    if destination is not None and destination.pinned_csi:
        return Pin(destination.pinned_csi, "learned")
    return None


def recipient_check(pin: Pin):
    """The ``RecipientCheck`` for ``pin``: None when the announced CSI matches."""
    def check(station: RemoteStation) -> str | None:
        if station.ident is not None and normalise_csi(station.ident) == normalise_csi(pin.csi):
            return None
        announced = "no CSI" if not station.ident else f"CSI {station.ident.strip()!r}"
        where = "given by the sender" if pin.source == "sender" else \
            "pinned from an earlier call"
        return f"expected CSI {pin.csi.strip()!r} ({where}); the far machine announced {announced}"
    return check


def call_options(destination: Destination | None, pin: Pin | None) -> CallOptions:
    learned = destination or Destination(number="")
    return CallOptions(max_bit_rate=learned.start_bit_rate, ecm=learned.ecm,
                       check_recipient=recipient_check(pin) if pin else None)


def used(destination: Destination | None, pin: Pin | None, fax_asked: bool) -> dict[str, Any]:
    """For the attempt's details: which learned values this call started from."""
    d = destination
    return {"destination": d.number if d else None,
            "startBitRate": d.start_bit_rate if d else None,
            "ecm": d.ecm if d else True, "locked": d.locked if d else False,
            "recipientCheck": (None if not fax_asked else
                               {"expectedCsi": pin.csi, "source": pin.source} if pin else
                               "nothing pinned yet: the first good call pins the number")}


def learn(previous: Destination | None, number: str, result: SessionResult,
          now_ms: int) -> Destination:
    d = previous or Destination(number=number)
    d = replace(d, calls=d.calls + 1, last_call_ms=now_ms)
    if result.remote_ident:
        d = replace(d, remote_csi=result.remote_ident.strip())
    if result.remote_nsf:
        d = replace(d, remote_nsf=result.remote_nsf,
                    remote_vendor=vendor(bytes.fromhex(result.remote_nsf)) or d.remote_vendor)
    if result.remote_capabilities:
        d = replace(d, remote_capabilities=tuple(result.remote_capabilities))
    if result.bit_rate is not None:  # it trained (CFR): what worked
        d = replace(d, last_bit_rate=result.bit_rate,
                    last_coding=result.coding.value if result.coding else None,
                    last_ecm=result.ecm)
    d = _trouble(d, result, now_ms)
    if result.success:
        d = replace(d, successes=d.successes + 1, last_success_ms=now_ms)
    if d.locked:
        return replace(d, start_bit_rate=previous.start_bit_rate if previous else None,
                       ecm=previous.ecm if previous else True,
                       pinned_csi=previous.pinned_csi if previous else None)
    return _next_call(d, result)


def _trouble(d: Destination, result: SessionResult, now_ms: int) -> Destination:
    failed = result.failed_trainings
    tcf = sum(failed.values())
    v17 = sum(n for speed, n in failed.items() if speed.startswith("V.17"))
    if tcf:
        d = replace(d, tcf_failures=d.tcf_failures + tcf, last_tcf_failure_ms=now_ms)
    if v17:
        d = replace(d, v17_failures=d.v17_failures + v17, last_v17_failure_ms=now_ms)
    if ecm_failed(result):
        d = replace(d, ecm_failures=d.ecm_failures + 1, last_ecm_failure_ms=now_ms)
    return d


# Failures in the page phase that point at error correction itself: the far end stopped
# answering or answered out of turn, or refused a page.
_ECM_SUSPECT = frozenset({Outcome.PROTOCOL_TIMEOUT, Outcome.PROTOCOL_ERROR,
                          Outcome.PAGE_REJECTED})


def ecm_failed(result: SessionResult) -> bool:
    """A call that trained with ECM and then gave up frames of a page (EOR), or failed
    while sending pages after the receiver asked for frames again (PPR, RNR) or in a way
    that points at ECM: the next call goes without ECM. A line that merely dropped mid
    page, frames all well received, is not held against ECM."""
    if not result.ecm:
        return False
    counters = result.ecm_counters
    if counters.eors:
        return True
    if result.success or result.phase not in ("C", "D"):
        return False
    return bool(counters.pprs or counters.rnrs) or result.outcome in _ECM_SUSPECT


def _next_call(d: Destination, result: SessionResult) -> Destination:
    failed_rates = [int(speed.rsplit(" ", 1)[1]) for speed in result.failed_trainings]
    if failed_rates:
        if result.bit_rate is not None and result.bit_rate < max(failed_rates):
            d = replace(d, start_bit_rate=result.bit_rate)  # where it then trained
        else:  # it never trained: one step below where it started, not to the floor at once
            lower = [s for s in SPEEDS if s < max(failed_rates)]
            d = replace(d, start_bit_rate=lower[0] if lower else SPEEDS[-1])
    if ecm_failed(result):
        d = replace(d, ecm=False)
    if result.success and d.pinned_csi is None and d.remote_csi:
        d = replace(d, pinned_csi=d.remote_csi)
    return d
