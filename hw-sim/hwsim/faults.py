"""Faults of the phone line and the exchange, set per number, for the next call, or live.

A ``Faults`` value describes what goes wrong on a call; the ``FaultBook`` keeps the ones
set per number (every call) and per next call (one shot), and merges those of both ends
when a call is placed. Modem faults (a frozen command interpreter, a vanished pty,
garbled result lines) live on the modem itself; see ``Modem``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True, slots=True)
class Faults:
    busy: bool = False  # the number is engaged: BUSY
    no_answer: bool = False  # it rings, nobody picks up: NO ANSWER after S7
    no_dialtone: bool = False  # the caller's line is dead: NO DIALTONE
    voice_answer: bool = False  # a person answers: no fax tones, NO CARRIER after S7
    drop_after_s: float | None = None  # line seconds after answer
    # the n-th page carrier of the call (1-based); with ECM, each carrier of FCD frames
    # (a partial page, or frames sent again) is a page carrier
    drop_during_page: int | None = None
    drop_after_page_bytes: int = 2048  # how far into that page the line dies
    bit_error_rate: float = 0.0  # per bit, on carriers at or above bit_errors_min_bps
    bit_errors_min_bps: int = 0  # 0 or 300 includes V.21 frames (their FCS then fails)
    # "all" image carriers, "pages" or "training" only, or "ecm_frames": only HDLC frames
    # at image speeds (ECM, framed by the modem or sent by the DTE as image data framed
    # by itself), so that TCF trains clean and the error correction is tested
    bit_errors_on: str = "all"
    bit_errors_pages: tuple[int, ...] | None = None  # only these page numbers

    def merged(self, other: "Faults | None") -> "Faults":
        """Fields set in ``other`` (different from the default) win."""
        if other is None:
            return self
        default = Faults()
        changes = {
            f.name: getattr(other, f.name)
            for f in fields(Faults)
            if getattr(other, f.name) != getattr(default, f.name)
        }
        return replace(self, **changes)

    def __post_init__(self) -> None:
        if not 0.0 <= self.bit_error_rate <= 0.5:
            raise ValueError("bit_error_rate must be within [0, 0.5]")
        if self.bit_errors_on not in ("all", "pages", "training", "ecm_frames"):
            raise ValueError("bit_errors_on must be 'all', 'pages', 'training' or 'ecm_frames'")


class FaultBook:
    def __init__(self) -> None:
        self._standing: dict[str, Faults] = {}
        self._next_call: dict[str, Faults] = {}

    def set(self, number: str, faults: Faults | None) -> None:
        if faults is None:
            self._standing.pop(number, None)
        else:
            self._standing[number] = faults

    def set_next_call(self, number: str, faults: Faults) -> None:
        self._next_call[number] = faults

    def for_call(self, *numbers: str) -> Faults:
        """Faults of a call between these numbers; consumes one-shot entries."""
        result = Faults()
        for number in numbers:
            result = result.merged(self._standing.get(number))
        for number in numbers:
            result = result.merged(self._next_call.pop(number, None))
        return result
