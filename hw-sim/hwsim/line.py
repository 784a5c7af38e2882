"""The telephone exchange and its calls.

The exchange knows which modem answers which number, places calls (dial tone, busy,
ringing, answer, faults) and ends them. A ``Call`` joins two modems with one ``Channel``
per direction; modems start carriers on their own channel and listen on the other's. The
line is the only place where faults of the network happen: bit errors, drops.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
from typing import TYPE_CHECKING

from .calllog import CallLog, CallRecord
from .carrier import Carrier, Channel, Segment
from .faults import FaultBook, Faults
from .hdlc import fcs_good
from .modulation import Modulation
from .timing import Timing, now

if TYPE_CHECKING:
    from .modem import Modem

DIALTONE_S = 0.5  # line seconds a modem listens for dial tone before dialing
DIGIT_S = 0.1  # per dialed digit (DTMF 50 ms tone + 50 ms pause)
BUSY_DETECT_S = 2.0  # two cadences of busy tone
FIRST_RING_S = 0.5
RING_PERIOD_S = 6.0  # 2 s ring, 4 s silence
VOICE_ANSWER_S = 4.0


class Call:
    def __init__(self, exchange: "Exchange", caller: "Modem", dialed: str,
                 faults: Faults, record: CallRecord) -> None:
        self.exchange = exchange
        self.caller = caller
        self.callee: Modem | None = None
        self.dialed = dialed
        self.faults = faults
        self.record = record
        self.state = "ringing"
        self.answered = asyncio.Event()
        self.over = asyncio.Event()
        self._channels: dict[int, Channel] = {}
        self._pages = 0
        self._noise_gap: dict[int, int] = {}
        self._rng = random.Random(exchange.seed * 1_000_003 + record.call_id)
        self._tasks: set[asyncio.Task] = set()

    @property
    def timing(self) -> Timing:
        return self.exchange.timing

    def connect(self, callee: "Modem") -> None:
        self.callee = callee
        self._channels = {id(self.caller): Channel(self.caller.number),
                          id(callee): Channel(callee.number)}
        self.state = "connected"
        self.record.answered_at = now()
        self.record.callee_modem = callee.name
        self.answered.set()
        self._arm_timed_drop()

    def tx(self, modem: "Modem") -> Channel:
        return self._channels[id(modem)]

    def rx(self, modem: "Modem") -> Channel:
        other = self.callee if modem is self.caller else self.caller
        return self._channels[id(other)]

    @property
    def connected(self) -> bool:
        return self.state == "connected"

    def start_carrier(self, modem: "Modem", modulation: Modulation) -> Carrier:
        start = now()
        carrier = self.tx(modem).start(
            modulation, start, start + self.timing.signal(modulation.training_s))
        self.record.add_carrier(modem.number, carrier)
        return carrier

    def send_bytes(self, modem: "Modem", carrier: Carrier, data: bytes,
                   start_at: float, end_at: float) -> None:
        """Image data crossing the line: pages are counted, noise and drops applied."""
        if carrier.page_number is None and any(data):
            self._pages += 1
            carrier.page_number = self._pages
        data = self._add_noise(carrier, data)
        carrier.push(Segment(start_at, end_at, data))
        self._check_page_drop(carrier)

    def send_frame(self, modem: "Modem", carrier: Carrier, frame: bytes,
                   start_at: float, end_at: float) -> None:
        """A frame with its FCS crossing the line; noise may hit V.21 too, and then the
        receiving DCE's FCS check fails (T.31 8.3.1.2: ERROR after the frame)."""
        if carrier.hdlc_at_speed and carrier.page_number is None:
            self._pages += 1  # ECM: a carrier of page frames counts as a page carrier
            carrier.page_number = self._pages
        line = self._add_noise(carrier, frame)
        fcs_ok = fcs_good(line)
        carrier.push(Segment(start_at, end_at, line, fcs_ok))
        if carrier.modulation.is_hdlc:  # ECM frames at image speed: too many to log each
            self.record.add_frame(modem.number, end_at, frame[:-2], fcs_ok)
        else:
            self._check_page_drop(carrier)

    def hang_up(self, by: str, result: str | None = None) -> None:
        """End the call (idempotent); both modems hear it."""
        if self.state == "ended":
            return
        was_connected = self.state == "connected"
        self.state = "ended"
        at = now()
        for channel in self._channels.values():
            channel.close(at)
        for task in self._tasks:
            task.cancel()
        record = self.record
        record.ended_at = at
        record.hangup_by = by
        if result is not None:
            record.result = result
        elif was_connected:
            record.result = "completed"
        self.over.set()
        self.answered.set()  # wake anyone still waiting for the answer
        for modem in (self.caller, self.callee):
            if modem is not None:
                modem.call_ended(self)
        self.exchange.call_finished(self)

    # -- faults ------------------------------------------------------------------
    def _arm_timed_drop(self) -> None:
        if self.faults.drop_after_s is not None:
            self._spawn(self._drop_later(self.timing.wall(self.faults.drop_after_s)))

    async def _drop_later(self, wall_s: float) -> None:
        await asyncio.sleep(wall_s)
        self.record.notes.append(f"line dropped after {self.faults.drop_after_s} s")
        self.hang_up("line", "dropped")

    def _check_page_drop(self, carrier: Carrier) -> None:
        page = self.faults.drop_during_page
        if page is not None and carrier.page_number == page and \
                carrier.bytes_sent >= self.faults.drop_after_page_bytes:
            self.record.notes.append(f"line dropped during page {page}")
            asyncio.get_running_loop().call_soon(self.hang_up, "line", "dropped")

    def _noisy(self, carrier: Carrier) -> bool:
        f = self.faults
        if f.bit_error_rate <= 0 or carrier.modulation.bit_rate < f.bit_errors_min_bps:
            return False
        if f.bit_errors_on == "ecm_frames":
            return carrier.carries_ecm
        if f.bit_errors_on != "all" and carrier.modulation.is_hdlc:
            return False
        if f.bit_errors_on == "pages" and carrier.page_number is None:
            return False
        if f.bit_errors_on == "training" and carrier.page_number is not None:
            return False
        if f.bit_errors_pages is not None and carrier.page_number not in f.bit_errors_pages:
            return False
        return True

    def _add_noise(self, carrier: Carrier, data: bytes) -> bytes:
        """Flip bits at the fault's rate; gaps between errors are geometric."""
        if not self._noisy(carrier):
            return data
        p = self.faults.bit_error_rate
        gap = self._noise_gap.get(carrier.seq)
        if gap is None:
            gap = self._next_gap(p)
        out = bytearray(data)
        bits = len(out) * 8
        position = gap
        while position < bits:
            out[position >> 3] ^= 1 << (position & 7)
            carrier.bit_errors += 1
            position += 1 + self._next_gap(p)
        self._noise_gap[carrier.seq] = position - bits
        return bytes(out)

    def _next_gap(self, p: float) -> int:
        if p >= 1:
            return 0
        return int(math.log(1.0 - self._rng.random()) / math.log(1.0 - p))

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class Exchange:
    def __init__(self, timing: Timing, faults: FaultBook, log: CallLog, seed: int = 0) -> None:
        self.timing = timing
        self.faults = faults
        self.log = log
        self.seed = seed
        self.numbers: dict[str, "Modem"] = {}
        self.active: set[Call] = set()
        self._ids = itertools.count(1)
        self.started: asyncio.Event | None = None

    def register(self, number: str, modem: "Modem") -> None:
        if number in self.numbers:
            raise ValueError(f"number {number} already taken")
        self.numbers[number] = modem

    def unregister(self, number: str) -> None:
        self.numbers.pop(number, None)

    def call_of(self, modem: "Modem") -> Call | None:
        for call in self.active:
            if modem is call.caller or modem is call.callee:
                return call
        return None

    async def place_call(self, caller: "Modem", dialed: str, blind: bool,
                         report_busy: bool, s7_line_s: float) -> tuple[str, Call | None]:
        """Dial ``dialed`` for ``caller``. Returns a result code and the call if answered."""
        record = CallRecord(next(self._ids), caller.number, dialed, caller.name,
                            scale=self.timing.scale, started_at=now())
        faults = self.faults.for_call(caller.number, dialed)
        call = Call(self, caller, dialed, faults, record)
        self.active.add(call)
        try:
            return await self._setup(call, blind, report_busy, s7_line_s)
        except asyncio.CancelledError:
            call.hang_up(caller.number, "aborted")
            raise

    async def _setup(self, call: Call, blind: bool, report_busy: bool,
                     s7_line_s: float) -> tuple[str, Call | None]:
        wall = self.timing.wall
        f = call.faults
        if f.no_dialtone and not blind:
            await asyncio.sleep(wall(DIALTONE_S * 4))
            return self._fail(call, "NO DIALTONE", "no_dialtone")
        await asyncio.sleep(wall(DIALTONE_S + DIGIT_S * len(call.dialed)))
        callee = self.numbers.get(call.dialed)
        if callee is not None and (f.busy or not callee.can_take_call()):
            await asyncio.sleep(wall(BUSY_DETECT_S))
            return self._fail(call, "BUSY" if report_busy else "NO CARRIER", "busy")
        if callee is None or f.voice_answer:
            # Unassigned numbers and people answering give no fax tones at all.
            await asyncio.sleep(wall(s7_line_s))
            result = "voice" if callee is not None else "no_carrier"
            return self._fail(call, "NO CARRIER", result)
        if not f.no_answer:
            self._ring(call, callee)
        try:
            await asyncio.wait_for(call.answered.wait(), wall(s7_line_s))
        except asyncio.TimeoutError:
            return self._fail(call, "NO ANSWER" if report_busy else "NO CARRIER", "no_answer")
        if not call.connected:
            return "NO CARRIER", None
        return "CONNECT", call

    def _ring(self, call: Call, callee: "Modem") -> None:
        call.callee = callee
        callee.incoming(call)
        call._spawn(self._ring_cadence(call, callee))

    async def _ring_cadence(self, call: Call, callee: "Modem") -> None:
        await asyncio.sleep(self.timing.wall(FIRST_RING_S))
        while call.state == "ringing":
            callee.ring(call)
            await asyncio.sleep(self.timing.wall(RING_PERIOD_S))

    def _fail(self, call: Call, code: str, result: str) -> tuple[str, None]:
        call.hang_up(call.caller.number, result)
        return code, None

    def call_finished(self, call: Call) -> None:
        self.active.discard(call)
        self.log.finish(call.record)

    def drop(self, number: str, reason: str = "dropped") -> bool:
        for call in list(self.active):
            if number in (call.caller.number, call.dialed):
                call.record.notes.append("line dropped on request")
                call.hang_up("line", reason)
                return True
        return False
