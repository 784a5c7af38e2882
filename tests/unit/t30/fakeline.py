"""An in-memory phone line with a Class 1 modem at each end (the line is the true edge).

``LinePair`` gives two ``Class1Link`` ends. What one end sends (a V.21 carrier of HDLC
frames, or an image carrier) arrives at the other end's inbox, after passing through
``tamper``, where a test drops, corrupts, delays, echoes or rewrites transmissions.
A receive that hears the other kind of carrier raises ``WrongCarrier`` and the carrier
is lost, as with a real modem answering ``+FCERROR``.

Also here: synthetic page data (a stand-in for the G3 codec until it is merged) whose
decoder counts corrupted lines exactly, so RTN/RTP/MCF decisions can be provoked.
"""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass, field, replace
from typing import Callable

from faxgw.session import PageFormat, Resolution, WIDTH_A4_PX
from faxgw.t30.link import (DialResult, LineDropped, LinkTimeout, Modulation,
                            ReceivedFrame, WrongCarrier)
from faxgw.t30.negotiate import PageQuality


@dataclass
class Transmission:
    sender: str
    modulation: Modulation
    frames: list[ReceivedFrame] = field(default_factory=list)
    data: bytes | None = None

    @property
    def is_hdlc(self) -> bool:
        return self.data is None

    def fcfs(self) -> list[int | None]:
        return [f.fcf for f in self.frames]


# tamper(transmission) -> what arrives: a list of (delay_s, transmission), or [] to drop.
Tamper = Callable[[Transmission], list[tuple[float, Transmission]]]


def passthrough(t: Transmission) -> list[tuple[float, Transmission]]:
    return [(0.0, t)]


class LineEnd:
    """One modem on the line; implements ``faxgw.t30.link.Class1Link``."""

    def __init__(self, pair: LinePair, name: str) -> None:
        self.pair, self.name = pair, name
        self.inbox: asyncio.Queue[Transmission] = asyncio.Queue()
        self.rest: list[ReceivedFrame] = []  # frames left in the carrier being heard
        self.sent: list[Transmission] = []
        self.hung_up = False
        self.silences: list[int] = []

    @property
    def peer(self) -> LineEnd:
        return self.pair.b if self is self.pair.a else self.pair.a

    def _check(self) -> None:
        # What the far end sent before hanging up is still heard (its DCN above all).
        gone = self.peer.hung_up and self.inbox.empty()
        if self.hung_up or self.pair.dropped or gone:
            raise LineDropped(f"{self.name}: line dropped")

    async def dial(self, number: str, timeout_s: float) -> DialResult:
        self.pair.dialled.append(number)
        return self.pair.dial_result

    async def answer(self, timeout_s: float) -> None:
        self._check()

    async def send_frames(self, frames: list[bytes]) -> None:
        self._check()
        self._transmit(Transmission(self.name, Modulation.V21,
                                    [ReceivedFrame(bytes(f)) for f in frames]))
        await asyncio.sleep(0)

    async def send_hdlc(self, modulation: Modulation, frames: list[bytes]) -> None:
        self._check()
        self._transmit(Transmission(self.name, modulation,
                                    [ReceivedFrame(bytes(f)) for f in frames]))
        await asyncio.sleep(0)

    async def receive_hdlc(self, modulation: Modulation, timeout_s: float
                           ) -> list[ReceivedFrame]:
        self.rest = []
        t = await self._next(timeout_s)
        if t.modulation is Modulation.V21 or not t.is_hdlc:
            self.rest = list(t.frames) if t.is_hdlc else []
            raise WrongCarrier(f"{self.name}: {t.modulation.name} while expecting HDLC at "
                               f"{modulation.name}")
        return list(t.frames)

    async def send_image(self, modulation: Modulation, data: bytes) -> None:
        self._check()
        self._transmit(Transmission(self.name, modulation, data=bytes(data)))
        await asyncio.sleep(0)

    def _transmit(self, t: Transmission) -> None:
        self.sent.append(t)
        loop = asyncio.get_running_loop()
        for delay, out in self.pair.tamper(t):
            target = self if out.sender == "echo" else self.peer
            if delay:
                loop.call_later(delay, target.inbox.put_nowait, out)
            else:
                target.inbox.put_nowait(out)

    async def _next(self, timeout_s: float) -> Transmission:
        self._check()
        try:
            async with asyncio.timeout(timeout_s):
                t = await self.inbox.get()
        except TimeoutError:
            self._check()
            raise LinkTimeout(f"{self.name}: nothing in {timeout_s:.2f} s") from None
        if t.sender == "hangup":
            raise LineDropped(f"{self.name}: line dropped")
        return t

    async def receive_frame(self, timeout_s: float) -> ReceivedFrame:
        if self.rest:
            return self.rest.pop(0)
        t = await self._next(timeout_s)
        if not t.is_hdlc or t.modulation is not Modulation.V21:
            raise WrongCarrier(f"{self.name}: image carrier while listening for V.21")
        if not t.frames:
            raise LinkTimeout("empty carrier")
        self.rest = list(t.frames[1:])
        return t.frames[0]

    async def receive_image(self, modulation: Modulation, timeout_s: float) -> bytes:
        self.rest = []
        t = await self._next(timeout_s)
        if t.is_hdlc:
            # The V.21 preamble is long: a +FRH=3 issued after this +FCERROR still
            # catches the frames.
            self.rest = list(t.frames)
            raise WrongCarrier(f"{self.name}: V.21 while expecting {modulation.name}")
        if t.modulation.bit_rate != modulation.bit_rate \
                or t.modulation.family != modulation.family:
            raise WrongCarrier(f"{self.name}: {t.modulation.name} while expecting {modulation.name}")
        return t.data or b""

    async def send_silence(self, ms: int) -> None:
        self._check()
        self.silences.append(ms)
        await asyncio.sleep(0)

    async def wait_silence(self, ms: int) -> None:
        await asyncio.sleep(0)

    async def hang_up(self) -> None:
        if not self.hung_up:
            self.hung_up = True
            self.peer.inbox.put_nowait(Transmission("hangup", Modulation.V21))

    def drop(self) -> None:
        """The line dies under both ends (a test's 'line dropped during page 3')."""
        self.pair.dropped = True
        for end in (self, self.peer):
            end.inbox.put_nowait(Transmission("hangup", Modulation.V21))


class LinePair:
    def __init__(self, tamper: Tamper = passthrough,
                 dial_result: DialResult = DialResult.CONNECTED) -> None:
        self.tamper = tamper
        self.dial_result = dial_result
        self.dropped = False
        self.dialled: list[str] = []
        self.a = LineEnd(self, "caller")
        self.b = LineEnd(self, "answerer")


def bad_fcs(t: Transmission, index: int = 0) -> Transmission:
    frames = list(t.frames)
    frames[index] = replace(frames[index], fcs_ok=False)
    return replace(t, frames=frames)


# --- synthetic pages: a stand-in for the G3 codec --------------------------------------

LINE_BYTES = 16


def _line(page: int, number: int, fmt: PageFormat) -> bytes:
    body = bytes([page & 0xFF, number & 0xFF, number >> 8, fmt.resolution.rank,
                  fmt.min_scan_ms, fmt.bit_rate // 2400]) + bytes(6)
    return body + zlib.crc32(body).to_bytes(4, "little")


class SyntheticPages:
    """``PageSource``: page ``i`` has ``lines`` lines that name the page and the format."""

    def __init__(self, count: int, resolution: Resolution = Resolution.FINE,
                 lines: int = 50) -> None:
        self.page_count, self.resolution, self.width_px = count, resolution, WIDTH_A4_PX
        self.lines = lines
        self.encoded: list[tuple[int, PageFormat]] = []

    def encode(self, index: int, fmt: PageFormat) -> bytes:
        self.encoded.append((index, fmt))
        return b"".join(_line(index, n, fmt) for n in range(self.lines))


class SyntheticDecoder:
    """``PageDecoder``: counts lines whose check fails; the image is the page number."""

    def decode(self, data: bytes, fmt: PageFormat) -> tuple[object, PageQuality]:
        lines = [data[i:i + LINE_BYTES] for i in range(0, len(data), LINE_BYTES)]
        bad = [zlib.crc32(x[:12]).to_bytes(4, "little") != x[12:] for x in lines]
        run = best = 0
        for b in bad:
            run = run + 1 if b else 0
            best = max(best, run)
        page = lines[0][0] if lines and not bad[0] else None
        return page, PageQuality(len(lines), sum(bad), best)


def corrupt_lines(data: bytes, first: int, count: int) -> bytes:
    buf = bytearray(data)
    for n in range(first, first + count):
        buf[n * LINE_BYTES + 5] ^= 0xFF
    return bytes(buf)
