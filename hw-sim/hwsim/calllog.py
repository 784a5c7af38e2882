"""The record of every call: who called whom, what happened, what the line carried.

Records are plain dicts when exported (``to_json``), one JSON object per line in the log
file (JSON Lines), so tests and people read the same thing.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .carrier import Carrier

MAX_FRAMES_LOGGED = 400  # per call; a T.30 call has a few dozen


@dataclass
class CallRecord:
    call_id: int
    caller: str
    dialed: str
    caller_modem: str
    callee_modem: str | None = None
    result: str = "dialing"
    started_wall: float = field(default_factory=time.time)
    started_at: float = 0.0
    answered_at: float | None = None
    ended_at: float | None = None
    hangup_by: str | None = None
    scale: float = 1.0
    carriers: list[dict] = field(default_factory=list)
    frames: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_carrier(self, direction: str, carrier: Carrier) -> None:
        self.carriers.append({"from": direction, "carrier": carrier})

    def add_frame(self, direction: str, at: float, frame: bytes, fcs_ok: bool) -> None:
        if len(self.frames) < MAX_FRAMES_LOGGED:
            self.frames.append({"from": direction, "t_s": round(at - self.started_at, 4),
                                "hex": frame.hex(), "fcs_ok": fcs_ok})

    def to_json(self) -> dict:
        end = self.ended_at
        duration = (end - self.started_at) if end is not None else None
        carriers = [self._carrier_json(entry) for entry in self.carriers]
        return {
            "call_id": self.call_id,
            "caller": self.caller,
            "dialed": self.dialed,
            "caller_modem": self.caller_modem,
            "callee_modem": self.callee_modem,
            "result": self.result,
            "hangup_by": self.hangup_by,
            "started": self.started_wall,
            "duration_s": None if duration is None else round(duration, 4),
            "line_duration_s": None if duration is None else round(duration / self.scale, 3),
            "answered_after_s": None if self.answered_at is None
            else round(self.answered_at - self.started_at, 4),
            "carriers": carriers,
            "frames": list(self.frames),
            "bytes": sum(c["bytes"] for c in carriers),
            "frame_count": len(self.frames),
            "max_lag_ms": max((c["max_lag_ms"] for c in carriers), default=0.0),
            "notes": list(self.notes),
        }

    def _carrier_json(self, entry: dict) -> dict:
        carrier: Carrier = entry["carrier"]
        end = carrier.ended_at
        return {
            "from": entry["from"],
            "modulation": carrier.modulation.label,
            "code": carrier.modulation.code,
            "start_s": round(carrier.started_at - self.started_at, 4),
            "duration_s": None if end is None else round(end - carrier.started_at, 4),
            "bytes": carrier.bytes_sent,
            "segments": len(carrier.segments),
            "bit_errors": carrier.bit_errors,
            "page": carrier.page_number,
            # who framed the ECM frames it carried at image speed: the modem (+FTH=<mod>) or
            # the DTE (plain +FTM data); None for V.21, TCF and non-ECM pages
            "hdlc_framed_by": "modem" if carrier.hdlc_at_speed
            else "dte" if carrier.hdlc_in_data else None,
            "max_lag_ms": round(carrier.max_lag_s * 1000, 2),
        }


class CallLog:
    """Ended calls in order, optionally appended to a JSON Lines file; thread-safe reads."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else None
        self._ended: list[dict] = []
        self.errors: list[str] = []
        self._lock = threading.Condition()

    def finish(self, record: CallRecord) -> dict:
        data = record.to_json()
        with self._lock:
            self._ended.append(data)
            self._lock.notify_all()
        if self.path is not None:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(data) + "\n")
        return data

    def internal_error(self, modem: str, exc: BaseException) -> None:
        """A simulator bug surfaced as ERROR to the DTE; kept so tests can fail on it."""
        with self._lock:
            self.errors.append(f"{modem}: {exc!r}")

    def ended(self) -> list[dict]:
        with self._lock:
            return list(self._ended)

    def wait(self, predicate, start: int, timeout: float) -> tuple[dict | None, int]:
        """First ended record at index >= start matching ``predicate``, and its index."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for index in range(start, len(self._ended)):
                    if predicate(self._ended[index]):
                        return self._ended[index], index
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None, start
                self._lock.wait(remaining)
