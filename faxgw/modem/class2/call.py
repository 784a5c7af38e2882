"""One Class 2 / 2.0 call's running state: its trace, its result, the modem's hang-up
code, the page callbacks, and the bounded, shielded hang-up at its end (whatever ended it,
cancellation included: ``CancelledError`` propagates after the hang-up, never becoming an
outcome).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from datetime import datetime, timezone
from typing import Any, Protocol

from faxgw.modem.class2 import codes
from faxgw.modem.at.channel import AtChannel, Reply, Transaction
from faxgw.modem.class1.runner import Trace
from faxgw.modem.at.errors import ATChannelError, ATTimeout
from faxgw.modem.at.states import ANY_FINAL, CAN
from faxgw.outcome import Outcome
from faxgw.session import PageFormat, SessionResult



class CallSettings(Protocol):
    ident: str  # our TSI/CSI
    callback_grace_s: float  # how long page callbacks may run on after the call


class CallDriver(Protocol):
    """What a call needs of the session running it (``Class2Base`` is one)."""

    FCLASS: str
    HANGUP: str  # the report that carries the modem's hang-up code
    channel: AtChannel
    config: CallSettings

    async def hang_up(self, ended_by_modem: bool) -> None: ...


class CallEnded(Exception):
    """Raised inside a call to end it with ``outcome`` (the modem hangs up, or we do)."""

    def __init__(self, outcome: Outcome, detail: str = "", phase: str | None = None) -> None:
        super().__init__(detail)
        self.outcome, self.detail, self.phase = outcome, detail, phase


class Call:
    """One session's running state: trace, result, hang-up code, callbacks."""

    def __init__(self, session: CallDriver, direction: str, number: str | None,
                 pages_total: int) -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        self.session = session
        self.trace = Trace(lambda: loop.time() - t0)
        self.result = SessionResult(
            direction=direction, outcome=Outcome.PROTOCOL_ERROR, number=number,
            local_ident=session.config.ident, pages_total=pages_total,
            started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        self.result.modem_class = session.FCLASS
        self.phase = "A"
        self.code: int | None = None  # the modem's hang-up code, once it hung up
        self.callbacks: list[asyncio.Future] = []

    async def run(self, body) -> SessionResult:
        started = time.monotonic()
        channel = self.session.channel
        with channel.tracing(self._at_line):  # the call's AT lines go into its trace
            outcome, detail = await self._run_body(channel, body)
        await self._shielded_end()
        self._fill(outcome, detail)
        self.result.duration_s = round(time.monotonic() - started, 3)
        return self.result

    async def _run_body(self, channel, body) -> tuple[Outcome, str]:
        outcome, detail = Outcome.MODEM_FAULT, ""
        try:
            try:
                async with channel.transaction() as tx:
                    await body(tx)
            except CallEnded as end:
                outcome, detail = end.outcome, end.detail
                self.phase = end.phase or self.phase
            except ATChannelError as exc:
                outcome, detail = Outcome.MODEM_FAULT, str(exc)
            except ValueError as exc:  # +FCS: parameters we cannot code for
                outcome, detail = Outcome.INCOMPATIBLE, str(exc)
        except BaseException:
            self.trace.add("event", "cancelled")
            await self._shielded_end()
            raise
        return outcome, detail

    def _at_line(self, what: str, text: str) -> None:
        if what in ("at>", "at<", "urc"):
            self.trace.add({"at>": "cmd", "at<": "rx", "urc": "event"}[what], text)

    async def _shielded_end(self) -> None:
        ending = asyncio.ensure_future(self._end())
        cancelled = False
        while not ending.done():
            try:
                await asyncio.shield(ending)
            except asyncio.CancelledError:
                cancelled = True
        if cancelled:
            raise asyncio.CancelledError()

    async def _end(self) -> None:
        self.trace.add("cmd", "hang_up")
        await self.session.hang_up(ended_by_modem=self.code is not None)
        if self.callbacks:
            done, _ = await asyncio.wait(self.callbacks,
                                         timeout=self.session.config.callback_grace_s)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    self.trace.add("note", "callback failed", repr(task.exception()))

    def _fill(self, outcome: Outcome, detail: str) -> None:
        result = self.result
        result.outcome, result.detail = outcome, detail
        result.phase = "E" if outcome is Outcome.SUCCESS else self.phase
        result.pages_confirmed = sum(1 for p in result.pages
                                     if p.outcome.value.startswith("confirmed"))
        self.trace.add("note", f"finish: {outcome.value}", detail)
        result.trace = self.trace.entries

    # --- helpers for the dialect code ------------------------------------------------------
    async def command(self, tx: Transaction, command: str, *, timeout_s: float | None = None,
                      what: str = "") -> Reply:
        if what:
            self.trace.add("cmd", what, command)
        try:
            return await tx.command(command, timeout_s=timeout_s, accept=ANY_FINAL)
        except ATTimeout:
            tx.write_raw(CAN, f"CAN (abort {command})")
            raise

    def hang_up_code(self, reply: Reply) -> None:
        code = codes.first_number(codes.report(reply.info, self.session.HANGUP))
        if code is not None:
            self.code = code
            self.trace.add("event", f"hang-up code {code}",
                           codes.hangup_outcome(code).value)

    def outcome_of_code(self, fallback: Outcome) -> Outcome:
        if self.code is None:
            return fallback
        self.phase = codes.hangup_phase(self.code)
        outcome = codes.hangup_outcome(self.code)
        return fallback if outcome is Outcome.SUCCESS else outcome

    def negotiated(self, reply: Reply, name: str, current: PageFormat | None = None
                   ) -> PageFormat:
        text = codes.report(reply.info, name)
        if text is None:
            if current is None:
                raise CallEnded(Outcome.PROTOCOL_ERROR, f"no {name}: report")
            return current
        fmt = codes.page_format(text)
        result = self.result
        result.bit_rate, result.modulation = fmt.bit_rate, codes.modulation_family(fmt.bit_rate)
        result.coding, result.resolution = fmt.coding, fmt.resolution
        result.width_px, result.min_scan_ms, result.ecm = fmt.width_px, fmt.min_scan_ms, fmt.ecm
        result.ecm_frame_size = codes.ecm_frame_size(text)
        result.trainings += 1
        return fmt

    def callback(self, func, arg: Any) -> None:
        if func is None:
            return
        try:
            value = func(arg)
        except Exception as exc:  # noqa: BLE001 - a callback bug must not end the call
            self.trace.add("note", "callback failed", repr(exc))
            return
        if inspect.isawaitable(value):
            self.callbacks.append(asyncio.ensure_future(value))


async def start_char(tx: Transaction, char: int, timeout_s: float) -> None:
    """Wait for the modem's start character after CONNECT (SP-2388 +FDT: XON). The
    channel is still in command state, so the byte waits in its buffer."""
    channel = tx.channel
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not channel.received.take_through(char):
        try:
            await channel.wait_arrival(deadline)
        except TimeoutError:
            raise CallEnded(Outcome.MODEM_FAULT, "no start character after CONNECT") from None
