"""What goes into the engine (events) and what comes out (actions).

Every event carries ``at``: seconds on the runner's monotonic clock. That is the only way
time enters the engine (architecture habit 3), so tests step time by hand.

Each ``handle`` call returns notifications (``Note``, ``PageConfirmed``, ...) followed by
exactly one *line action* (``SendFrames``, ``ReceiveFrame``, ``SendImage``, ``SendPage``,
``ReceiveImage``, ``SendSilence``, ``AwaitPageQuality``, ``Finish``); the runner performs
the line action and answers with the event it produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from faxgw.outcome import Outcome
from faxgw.session import PageFormat
from faxgw.t30.link import Modulation, ReceivedFrame
from faxgw.t30.negotiate import PageQuality


class LinkFailure(str, Enum):
    """Link errors as the engine sees them (``faxgw.t30.link`` exceptions)."""

    TIMEOUT = "timeout"  # LinkTimeout: nothing within the timeout the action gave
    WRONG_CARRIER = "wrong_carrier"  # WrongCarrier: +FCERROR
    CARRIER_LOST = "carrier_lost"  # CarrierLost
    LINE_DROPPED = "line_dropped"  # LineDropped
    MODEM_FAULT = "modem_fault"  # ModemFault


# --- events -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Start:
    at: float


@dataclass(frozen=True, slots=True)
class FramesSent:
    at: float


@dataclass(frozen=True, slots=True)
class FrameReceived:
    at: float
    frame: ReceivedFrame


@dataclass(frozen=True, slots=True)
class ImageSent:
    at: float


@dataclass(frozen=True, slots=True)
class ImageReceived:
    at: float
    data: bytes


@dataclass(frozen=True, slots=True)
class SilenceDone:
    at: float


@dataclass(frozen=True, slots=True)
class LinkFailed:
    at: float
    failure: LinkFailure


@dataclass(frozen=True, slots=True)
class PageQualityKnown:
    at: float
    index: int
    quality: PageQuality


@dataclass(frozen=True, slots=True)
class Abort:
    """The runner cannot go on (e.g. a page could not be encoded): end with ``outcome``."""

    at: float
    outcome: Outcome
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PageFetched:
    """ECM: the coded data of page ``index`` (answer to ``FetchPage``)."""

    at: float
    index: int
    data: bytes


@dataclass(frozen=True, slots=True)
class HdlcFramesReceived:
    """ECM: the frames of one high-speed HDLC carrier, in order, up to its end."""

    at: float
    frames: tuple[ReceivedFrame, ...]


@dataclass(frozen=True, slots=True)
class PageQualityPending:
    """The decoder has not judged page ``index`` within ``AwaitPageQuality.timeout_s``."""

    at: float
    index: int


Event = (Start | FramesSent | FrameReceived | ImageSent | ImageReceived | SilenceDone
         | LinkFailed | PageQualityKnown | Abort | PageFetched | HdlcFramesReceived
         | PageQualityPending)


# --- line actions (exactly one per step, last) -----------------------------------------

@dataclass(frozen=True, slots=True)
class SendFrames:
    """One V.21 transmission. ``wait_silence_ms``: when we just heard the far end, wait
    for that much silence first (+FRS, T.30 clause 5.3.2.4: 75 ms between signals)."""

    frames: tuple[bytes, ...]
    wait_silence_ms: int = 0


@dataclass(frozen=True, slots=True)
class ReceiveFrame:
    """Listen for the next frame. ``wait_silence_ms``: first wait until the line is
    silent that long (+FRS), after hearing a carrier that was not V.21."""

    timeout_s: float
    wait_silence_ms: int = 0


@dataclass(frozen=True, slots=True)
class SendImage:
    """Image-modulation data the engine made itself (TCF)."""

    modulation: Modulation
    data: bytes


@dataclass(frozen=True, slots=True)
class SendPage:
    """Page ``index`` encoded for ``fmt`` (the runner gets it from the page source)."""

    modulation: Modulation
    index: int
    fmt: PageFormat


@dataclass(frozen=True, slots=True)
class ReceiveImage:
    modulation: Modulation
    timeout_s: float
    purpose: str  # "tcf" or "page"


@dataclass(frozen=True, slots=True)
class SendSilence:
    ms: int


@dataclass(frozen=True, slots=True)
class AwaitPageQuality:
    """Wait for the decoder's verdict on page ``index`` (started by ``DecodePage``).
    ``timeout_s`` (ECM): wait at most that long, then answer ``PageQualityPending`` (the
    receiver says RNR meanwhile); None waits for the verdict."""

    index: int
    timeout_s: float | None = None


@dataclass(frozen=True, slots=True)
class FetchPage:
    """ECM: get page ``index`` encoded for ``fmt``; the engine frames it itself."""

    index: int
    fmt: PageFormat


@dataclass(frozen=True, slots=True)
class SendHdlcFrames:
    """ECM: one carrier of HDLC frames at an image modulation (+FTH=<mod>); the carrier
    ends after the last frame. Answered by ``FramesSent``."""

    modulation: Modulation
    frames: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class ReceiveHdlcFrames:
    """ECM: the frames of the next carrier at ``modulation`` (+FRH=<mod>), until it ends.
    Answered by ``HdlcFramesReceived``."""

    modulation: Modulation
    timeout_s: float


@dataclass(frozen=True, slots=True)
class Finish:
    """The session is over; the runner hangs up (shielded) and builds the result."""

    outcome: Outcome
    detail: str = ""


# --- notifications (zero or more, before the line action) ------------------------------

@dataclass(frozen=True, slots=True)
class Note:
    text: str


@dataclass(frozen=True, slots=True)
class PreparePages:
    """The format is known (or changed): the runner may start encoding pages for it."""

    fmt: PageFormat


@dataclass(frozen=True, slots=True)
class PageConfirmed:
    """The receiver confirmed page ``index`` (MCF, RTP or PIP): it is on paper."""

    index: int


@dataclass(frozen=True, slots=True)
class DecodePage:
    """A page arrived: start decoding it off the event loop, keep it until judged."""

    index: int
    data: bytes
    fmt: PageFormat


@dataclass(frozen=True, slots=True)
class KeepPage:
    index: int


@dataclass(frozen=True, slots=True)
class DiscardPage:
    index: int


LineAction = (SendFrames | ReceiveFrame | SendImage | SendPage | ReceiveImage | SendSilence
              | AwaitPageQuality | Finish | FetchPage | SendHdlcFrames | ReceiveHdlcFrames)
Action = LineAction | Note | PreparePages | PageConfirmed | DecodePage | KeepPage | DiscardPage
LINE_ACTIONS = (SendFrames, ReceiveFrame, SendImage, SendPage, ReceiveImage, SendSilence,
                AwaitPageQuality, Finish, FetchPage, SendHdlcFrames, ReceiveHdlcFrames)
