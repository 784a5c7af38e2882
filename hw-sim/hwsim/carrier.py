"""One carrier on one direction of the line, and the direction (channel) that carries it.

A carrier has a modulation, a start (when the transmitter turned it on), the moment its
data begins (after preamble or training), a list of segments (image bytes, or one HDLC
frame each, stamped with the wall-clock time their first and last bit crossed the line),
and an end. Receivers read segments by index; one that starts listening after the data
began misses the segments that began before it listened.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .modulation import Modulation

MAX_CARRIERS_KEPT = 8  # per direction: enough for a receiver that attached earlier


@dataclass(slots=True)
class Segment:
    start_at: float
    end_at: float
    data: bytes
    fcs_ok: bool = True


@dataclass(eq=False)
class Carrier:
    modulation: Modulation
    started_at: float
    data_at: float
    seq: int
    segments: list[Segment] = field(default_factory=list)
    ended_at: float | None = None
    bytes_sent: int = 0
    bit_errors: int = 0
    max_lag_s: float = 0.0
    page_number: int | None = None  # set once it carries anything but TCF zeros
    hdlc_at_speed: bool = False  # HDLC frames at an image modulation (ECM, +FTH=<mod>)
    # Image data that is HDLC framed by the DTE (ECM sent with +FTM, as most modems need):
    # the modem does not know, the line does (its data starts with flags after the fill)
    hdlc_in_data: bool = False
    _waiters: list[asyncio.Future] = field(default_factory=list)

    @property
    def carries_frames(self) -> bool:
        """HDLC frames: every V.21 carrier, and ECM frames at an image speed."""
        return self.modulation.is_hdlc or self.hdlc_at_speed

    @property
    def carries_ecm(self) -> bool:
        """ECM frames at an image speed, framed by the modem or by the DTE."""
        return self.hdlc_at_speed or self.hdlc_in_data

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def push(self, segment: Segment) -> None:
        self.segments.append(segment)
        self.bytes_sent += len(segment.data)
        self._wake()

    def end(self, at: float) -> None:
        if self.ended_at is None:
            self.ended_at = at
            self._wake()

    def first_index_for(self, listen_at: float) -> int:
        """Index of the first segment a receiver listening since ``listen_at`` gets."""
        if listen_at <= self.data_at:
            return 0
        for index, segment in enumerate(self.segments):
            if segment.start_at >= listen_at:
                return index
        return len(self.segments)

    async def changed(self) -> None:
        """Wait until a segment is pushed or the carrier ends."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            await future
        finally:
            if future in self._waiters:
                self._waiters.remove(future)

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(None)


class Channel:
    """What one end of a call transmits and the other end hears."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.carriers: list[Carrier] = []
        self._seq = 0
        self._waiters: list[asyncio.Future] = []
        self.closed = False

    @property
    def current(self) -> Carrier | None:
        if self.carriers and self.carriers[-1].active:
            return self.carriers[-1]
        return None

    def start(self, modulation: Modulation, started_at: float, data_at: float) -> Carrier:
        previous = self.current
        if previous is not None:
            previous.end(started_at)
        self._seq += 1
        carrier = Carrier(modulation, started_at, data_at, self._seq)
        self.carriers.append(carrier)
        del self.carriers[:-MAX_CARRIERS_KEPT]
        self._wake()
        return carrier

    def find(self, listen_at: float, after_seq: int = 0) -> Carrier | None:
        """The carrier a receiver listening since ``listen_at`` would lock onto, if any:
        one still on, or one that was on when it started listening."""
        for carrier in self.carriers:
            if carrier.seq <= after_seq or carrier.modulation.family == "CED":
                continue
            if carrier.ended_at is None or carrier.ended_at > listen_at:
                return carrier
        return None

    def silent_since(self) -> float | None:
        """When the line in this direction last went quiet, or None while a carrier is on."""
        if self.current is not None:
            return None
        return self.carriers[-1].ended_at if self.carriers else 0.0

    async def changed(self) -> None:
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            await future
        finally:
            if future in self._waiters:
                self._waiters.remove(future)

    def close(self, at: float) -> None:
        self.closed = True
        if self.current is not None:
            self.current.end(at)
        self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(None)
