"""The seam the scheduler and the API see (architecture habit 2): ``FaxSession`` and
``SessionResult``.

Class 1 (host runs T.30, ``faxgw.modem.class1.session``) and Class 2/2.0 (the modem runs
T.30) both implement ``FaxSession`` and both return a ``SessionResult``. Nothing above this
module knows which class of modem made the call. Pure types: no I/O here.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Protocol

from faxgw.outcome import Outcome
from faxgw.pageformat import Resolution


class Coding(str, Enum):
    """Image coding of the page data (T.4 clause 4: MH, MR; T.6: MMR)."""

    MH = "MH"
    MR = "MR"
    MMR = "MMR"


# Scan line widths in pels at R8 (T.4 clause 2.2 / T.30 Table 2 bits 17-18).
WIDTH_A4_PX = 1728  # 215 mm
WIDTH_B4_PX = 2048  # 255 mm
WIDTH_A3_PX = 2432  # 303 mm


@dataclass(frozen=True, slots=True)
class PageFormat:
    """What the two fax machines agreed the page data must look like.

    ``min_scan_ms`` and ``bit_rate`` together give the minimum bits per coded line
    (T.4 clause 4.1.2 fill bits): the encoder must pad shorter lines up to it.
    """

    coding: Coding
    resolution: Resolution
    width_px: int
    min_scan_ms: int
    bit_rate: int
    ecm: bool = False

    @property
    def min_line_bits(self) -> int:
        return self.bit_rate * self.min_scan_ms // 1000


class PageSource(Protocol):
    """The pages of a fax to send, encoded on demand for the negotiated format.

    ``encode`` is called from a worker thread (never on the event loop), at most once per
    (index, format); it returns the page's coded data in line order (first bit in time is
    the least significant bit of each byte, T.4 clause 2.1), ending with RTC.
    """

    page_count: int
    resolution: Resolution  # the resolution the document was rendered for (wanted)
    width_px: int

    def encode(self, index: int, fmt: PageFormat) -> bytes: ...


class PageSourceLost(Exception):
    """``PageSource.encode`` lost the worker that was coding the page (it died, or the pool
    was shut down under it): a fault of the gateway, not of the document; the fax is tried
    again."""


class PageOutcome(str, Enum):
    CONFIRMED = "confirmed"  # MCF (or PIP): the page is on paper
    CONFIRMED_RETRAIN = "confirmed_retrain"  # RTP: accepted, line needs retraining
    REJECTED = "rejected"  # RTN/PIN every time it was sent
    UNCONFIRMED = "unconfirmed"  # sent, but no answer came (e.g. EOP unanswered)
    NOT_SENT = "not_sent"


@dataclass(slots=True)
class PageResult:
    """One page of a session: 0-based ``index`` within this session's pages."""

    index: int
    outcome: PageOutcome = PageOutcome.NOT_SENT
    attempts: int = 0  # times its image data went over the line
    retrains: int = 0  # RTN/RTP answers that made us retrain for it
    bit_rate: int | None = None  # speed of the last transmission
    bad_lines: int | None = None  # receive side: lines the decoder found bad
    total_lines: int | None = None
    # Send side, once confirmed: seconds from the start of its image data (its last
    # transmission, a resend after RTN included; with ECM its first frames) to the MCF.
    sending_s: float | None = None


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One line of the protocol trace: ``t_s`` seconds since the session started.

    ``kind`` is one of: ``cmd`` (what we asked the link), ``tx`` (frame or data sent),
    ``rx`` (frame or data received), ``event`` (link result: timeout, carrier...),
    ``note`` (a decision of the engine, in words).
    """

    t_s: float
    kind: str
    what: str
    detail: str = ""


@dataclass(slots=True)
class EcmCounters:
    """What ECM (T.30 Annex A) did in a call, all zero without it: frames sent (or
    received) the first time, frames sent again for PPRs, PPRs, RNRs, speed changes (CTC)
    and EORs. The T.30 engine counts into one; the session result carries it."""

    ecm_frames: int = 0
    frames_retransmitted: int = 0
    pprs: int = 0
    rnrs: int = 0
    ctcs: int = 0
    eors: int = 0


@dataclass(slots=True)
class SessionResult:
    """Everything a session produced; JSON-serialisable with ``to_dict``."""

    direction: str  # "send" or "receive"
    outcome: Outcome
    phase: str = "A"  # T.30 phase (A..E) in which the session ended
    number: str | None = None
    local_ident: str = ""
    remote_ident: str | None = None
    bit_rate: int | None = None
    modulation: str | None = None  # "V.17", "V.29", "V.27ter"
    coding: Coding | None = None
    resolution: Resolution | None = None
    width_px: int | None = None
    min_scan_ms: int | None = None
    ecm: bool = False
    pages_total: int = 0
    pages_confirmed: int = 0
    pages: list[PageResult] = field(default_factory=list)
    trainings: int = 0  # DCS+TCF (or TCF received) sequences in the call
    started_at: str = ""  # ISO 8601 UTC wall-clock time
    duration_s: float = 0.0
    detail: str = ""  # technician's note added to the outcome's sentence
    trace: list[TraceEntry] = field(default_factory=list)
    modem_class: str = "1"  # the +FCLASS the call ran in: "1" (host T.30), "2" or "2.0"
    ecm_frame_size: int | None = None  # octets per ECM frame; None without ECM
    ecm_counters: EcmCounters = field(default_factory=EcmCounters)
    # What the far machine told about itself (Class 1: NSF as hex, DIS as capability
    # names) and the trainings it refused, by bit rate: what the scheduler learns from.
    remote_nsf: str | None = None
    remote_capabilities: list[str] = field(default_factory=list)
    failed_trainings: dict[str, int] = field(default_factory=dict)  # "V.17 14400" -> FTTs
    options_used: dict[str, Any] = field(default_factory=dict)  # the CallOptions applied

    @property
    def success(self) -> bool:
        return self.outcome is Outcome.SUCCESS

    @property
    def reason(self) -> str:
        return self.outcome.sentence

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(data.pop("ecm_counters"))  # flat in the record, as it has always been
        data["success"] = self.success
        data["reason"] = self.reason
        data["retry_class"] = self.outcome.retry.value
        return _plain(data)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)


def _plain(value: Any) -> Any:
    """Enums to their values, recursively, so json.dumps takes the dict as is."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# Called as each page is confirmed by the receiver (MCF/RTP/PIP): the scheduler persists
# it, so a call that dies after page 3 of 5 knows 3 pages are on paper. May be async.
PageConfirmedCallback = Callable[[PageResult], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class ReceivedPage:
    """A page a receive session accepted: the coded data as it came off the line, its
    format, and (when the G3 codec decoded it) the image."""

    index: int
    fmt: PageFormat
    data: bytes
    image: Any = None
    total_lines: int = 0
    bad_lines: int = 0


PageReceivedCallback = Callable[[ReceivedPage], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class RemoteStation:
    """What the called machine said about itself before any page (phase B): its CSI as
    sent (None if it sent none), its NSF frame's information field, its DIS capabilities."""

    ident: str | None
    nsf: bytes | None = None
    capabilities: tuple[str, ...] = ()


# Asked once the far end has identified itself and before any page goes: None to go on,
# else the reason to disconnect (the call then ends RECIPIENT_MISMATCH without a page).
# Synchronous: the T.30 engine has no I/O, and the decision is a comparison of strings.
RecipientCheck = Callable[[RemoteStation], str | None]


@dataclass(frozen=True, slots=True)
class CallOptions:
    """What one outgoing call is told beyond its pages (the scheduler's learning and the
    sender's pinning). The defaults are a call with nothing learned."""

    max_bit_rate: int | None = None  # train first at the fastest speed not above this
    ecm: bool = True  # False: no error correction this call, even where both sides can
    check_recipient: RecipientCheck | None = None

    def describe(self) -> dict[str, Any]:
        return {"maxBitRate": self.max_bit_rate, "ecm": self.ecm,
                "recipientChecked": self.check_recipient is not None}


class FaxSession(Protocol):
    """One modem's way of making a fax call (Class 1 or Class 2/2.0)."""

    async def send(self, number: str, pages: PageSource,
                   on_page_confirmed: PageConfirmedCallback | None = None,
                   options: CallOptions | None = None) -> SessionResult:
        """Dial ``number`` and send ``pages``; success only if the last page got MCF."""

    async def receive(self, on_page_received: PageReceivedCallback | None = None
                      ) -> SessionResult:
        """Answer a ringing call and receive a fax."""
