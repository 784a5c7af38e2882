"""The line side of a Class 2 modem's firmware: T.30 line actions on hw-sim carriers.

A Class 1 modem does these one AT command at a time for its DTE (``datamode``); a Class 2
modem does them for its own T.30 firmware. The receiver is on whenever the modem is not
transmitting (a real DCE's demodulators listen all the time), so a frame or a page is
never missed because the firmware was busy deciding what to do.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .carrier import Carrier
from .datamode import CARRIER_OFF_DETECT_S, _pump, sleep_until
from .hdlc import with_fcs
from .modulation import V21, Modulation
from .timing import now

if TYPE_CHECKING:
    from .line import Call
    from .modem import Modem


@dataclass(frozen=True, slots=True)
class ReceivedFrame:
    """A frame off the line, without its FCS, and whether the FCS was good."""

    data: bytes
    fcs_ok: bool


class LineGone(Exception):
    """The call ended (far end hung up, the line dropped, we hung up)."""


class NoSignal(Exception):
    """Nothing within the time allowed."""


class WrongSignal(Exception):
    """A carrier of another modulation than the one listened for."""


class BytesToSend:
    """Data the firmware made itself (TCF), in the shape ``datamode._pump`` reads."""

    def __init__(self, data: bytes) -> None:
        self.data = bytearray(data)
        self.ended = True
        self.first_byte_at = None  # not a page: no minimum page time applies
        self.changed = asyncio.Event()

    def take(self, limit: int) -> bytes:
        chunk = bytes(self.data[:limit])
        del self.data[:limit]
        return chunk


class FirmwareLine:
    def __init__(self, modem: "Modem", call: "Call") -> None:
        self.modem, self.call = modem, call
        self.rx: tuple[Carrier, int] | None = None  # a V.21 carrier with frames left
        self.consumed_seq = 0  # far carriers up to this one are done with
        self.listen_from = now()

    def check(self) -> None:
        if self.call.state == "ended" or self.modem.call is not self.call:
            raise LineGone()

    def _transmitting(self) -> None:
        """Half duplex: what the far end sent before we talk is over."""
        if self.rx is not None:
            self.consumed_seq = max(self.consumed_seq, self.rx[0].seq)
            self.rx = None

    def _transmitted(self) -> None:
        self.listen_from = now()

    async def _wait(self, awaitable, deadline: float | None) -> None:
        if deadline is None:
            await awaitable
            return
        remaining = deadline - now()
        if remaining <= 0:
            awaitable.close()
            raise NoSignal()
        try:
            await asyncio.wait_for(awaitable, remaining)
        except asyncio.TimeoutError:
            raise NoSignal() from None

    # -- transmit ------------------------------------------------------------------------
    async def send_frames(self, frames: tuple[bytes, ...]) -> None:
        self.check()
        self._transmitting()
        carrier = self.call.start_carrier(self.modem, V21)
        free_at = carrier.data_at
        try:
            for frame in frames:
                line = with_fcs(frame)
                start = max(now(), free_at)
                end = start + self.modem.timing.wall((len(line) + 1) * 8 / V21.bit_rate)
                await sleep_until(end)
                self.check()
                self.call.send_frame(self.modem, carrier, line, start, end)
                free_at = end
        finally:
            carrier.end(now())
            self._transmitted()

    async def send_image(self, modulation: Modulation, buffer) -> None:
        """Image data from ``buffer`` (page data from the DTE, or TCF) at the bit rate."""
        self.check()
        self._transmitting()
        carrier = self.call.start_carrier(self.modem, modulation)
        try:
            await _pump(self.modem, self.call, carrier, buffer)
        finally:
            carrier.end(now())
            self._transmitted()
        self.check()

    async def silence(self, ms: int) -> None:
        await asyncio.sleep(self.modem.timing.wall(ms / 1000))
        self.check()

    async def wait_silence(self, ms: int, timeout_s: float) -> None:
        """Until the far end has been quiet for ``ms`` (T.30 5.3.2.4 before we talk)."""
        deadline = now() + timeout_s
        wanted = self.modem.timing.wall(ms / 1000)
        while True:
            self.check()
            channel = self.call.rx(self.modem)
            quiet_since = channel.silent_since()
            if quiet_since is not None and now() - quiet_since >= wanted:
                return
            try:
                await self._wait(channel.changed(), min(deadline, now() + wanted))
            except NoSignal:
                if now() >= deadline:
                    return  # a far end that never stops: talk anyway, T.30 decides

    # -- receive -------------------------------------------------------------------------
    async def _next_carrier(self, deadline: float | None) -> tuple[Carrier, int]:
        if self.rx is not None:
            carrier, index = self.rx
            if index < len(carrier.segments) or carrier.active:
                return carrier, index
            self._consumed(carrier)
        while True:
            self.check()
            channel = self.call.rx(self.modem)
            carrier = channel.find(self.listen_from, self.consumed_seq)
            if carrier is not None:
                return carrier, carrier.first_index_for(self.listen_from)
            await self._wait(channel.changed(), deadline)

    def _consumed(self, carrier: Carrier) -> None:
        self.consumed_seq = max(self.consumed_seq, carrier.seq)
        if self.rx is not None and self.rx[0] is carrier:
            self.rx = None

    async def _until_end(self, carrier: Carrier, deadline: float | None) -> None:
        while carrier.active:
            await self._wait(carrier.changed(), deadline)
        self._consumed(carrier)

    async def receive_frame(self, timeout_s: float) -> ReceivedFrame:
        deadline = now() + timeout_s
        while True:
            carrier, index = await self._next_carrier(deadline)
            if not carrier.modulation.is_hdlc:
                await self._until_end(carrier, deadline)
                raise WrongSignal(carrier.modulation.label)
            while index >= len(carrier.segments) and carrier.active:
                await self._wait(carrier.changed(), deadline)
                self.check()
            if index < len(carrier.segments):
                segment = carrier.segments[index]
                self.rx = (carrier, index + 1)
                return ReceivedFrame(segment.data[:-2], segment.fcs_ok)
            self._consumed(carrier)  # ended without (more) frames: listen for the next

    async def receive_image(self, modulation: Modulation, timeout_s: float,
                            sink: Callable[[bytes], None] | None = None) -> bytes:
        """The data of the next image carrier; a V.21 carrier is left for the next
        ``receive_frame`` (the far end repeating a command), another one is skipped."""
        carrier, index = await self._next_carrier(now() + timeout_s)
        if carrier.modulation.is_hdlc:
            raise WrongSignal(carrier.modulation.label)
        if not carrier.modulation.matches(modulation):
            await self._until_end(carrier, None)
            raise WrongSignal(carrier.modulation.label)
        await sleep_until(carrier.data_at)
        data = bytearray()
        while True:
            while index < len(carrier.segments):
                chunk = carrier.segments[index].data
                index += 1
                data += chunk
                if sink is not None:
                    sink(chunk)
            if not carrier.active:
                break
            await carrier.changed()
        self._consumed(carrier)
        await asyncio.sleep(self.modem.timing.signal(CARRIER_OFF_DETECT_S))
        self.check()
        return bytes(data)
