"""The Class 1 runner of one session: the T.30 engine, the link, the trace and the pages.

The engine says what to do next; the runner does it on the line and feeds back what
happened, with the time. Everything that waits is bounded by ``asyncio.timeout``. Page
encoding and decoding run in worker threads, so T.30 timing holds while pages are rendered.
``session`` starts and ends the call around it.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass, field
from typing import Any

from faxgw.modem.pages import PagePipeline, ReceivedPages
from faxgw.outcome import Outcome
from faxgw.session import PageConfirmedCallback, PageSourceLost, TraceEntry
from faxgw.t30 import events as ev
from faxgw.t30.engine import Engine
from faxgw.t30.frames import describe
from faxgw.t30.link import (CarrierLost, Class1Link, LineDropped, LinkError, LinkTimeout,
                            ModemFault, WrongCarrier)
from faxgw.t30.negotiate import LocalCapabilities, QualityPolicy
from faxgw.t30.timers import Timers

V21_BITS_PER_S = 300

_FAILURES: tuple[tuple[type[LinkError], ev.LinkFailure], ...] = (
    (LinkTimeout, ev.LinkFailure.TIMEOUT), (WrongCarrier, ev.LinkFailure.WRONG_CARRIER),
    (CarrierLost, ev.LinkFailure.CARRIER_LOST), (LineDropped, ev.LinkFailure.LINE_DROPPED),
    (ModemFault, ev.LinkFailure.MODEM_FAULT))


@dataclass(frozen=True, slots=True)
class Class1Config:
    """Per-modem session settings (built from the modem's profile and faxgw config)."""

    local: LocalCapabilities = field(default_factory=LocalCapabilities)
    quality: QualityPolicy = field(default_factory=QualityPolicy)
    dial_timeout_s: float = 90.0  # ATD until the far end answers
    answer_timeout_s: float = 30.0  # ATA until CED is sent and V.21 is up
    # A link call that overruns what the protocol allows by this much means the modem
    # has stopped answering: modem fault.
    io_margin_s: float = 10.0
    # A page of 2400 bit/s data can take minutes; beyond this it is not a page.
    max_page_s: float = 900.0
    # The hang-up's bound when the link declares no ``hang_up_budget_s`` of its own (and
    # the least allowed when it does); also the grace after cancelling an overrun hang-up.
    hang_up_timeout_s: float = 10.0
    callback_grace_s: float = 10.0  # page callbacks awaited this long before the result
    timers: Timers = field(default_factory=Timers)  # scaled only in accelerated simulation


class Trace:
    """The protocol trace of one session: every command, frame and result, timestamped."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.entries: list[TraceEntry] = []

    def add(self, kind: str, what: str, detail: str = "") -> None:
        self.entries.append(TraceEntry(round(self.clock(), 4), kind, what, detail))


class Runner:
    """One session: the engine, the link, the trace and the page pipeline."""

    def __init__(self, link: Class1Link, engine: Engine, config: Class1Config,
                 pages: PagePipeline | None = None, received: ReceivedPages | None = None,
                 on_page_confirmed: PageConfirmedCallback | None = None) -> None:
        loop = asyncio.get_running_loop()
        self.t0 = loop.time()
        self.clock = lambda: loop.time() - self.t0
        self.link, self.engine, self.config = link, engine, config
        self.trace = Trace(self.clock)
        self.pages, self.received = pages, received
        self.on_page_confirmed = on_page_confirmed
        self.callbacks: list[asyncio.Task[Any]] = []
        self.page_data_at: float | None = None  # when the current page's image data began
        self.ecm_page_started = False  # its first ECM frames are on their way

    async def run(self) -> ev.Finish:
        actions = self.engine.handle(ev.Start(self.clock()))
        while True:
            for action in actions[:-1]:
                self._notify(action)
            line = actions[-1]
            if isinstance(line, ev.Finish):
                self.trace.add("note", f"finish: {line.outcome.value}", line.detail)
                return line
            actions = self.engine.handle(await self._perform(line))

    # --- notifications ------------------------------------------------------------------
    def _notify(self, action: ev.Action) -> None:
        if isinstance(action, ev.Note):
            self.trace.add("note", action.text)
        elif isinstance(action, ev.PreparePages) and self.pages:
            self.pages.prefetch(action.fmt, self.engine.report.pages_confirmed)
        elif isinstance(action, ev.PageConfirmed):
            self._page_confirmed(action.index)
        elif isinstance(action, ev.DecodePage) and self.received:
            self.received.start_decode(action.index, action.data, action.fmt)
        elif isinstance(action, ev.KeepPage) and self.received:
            self._keep(self.received.keep(action.index))
        elif isinstance(action, ev.DiscardPage) and self.received:
            self.received.discard(action.index)

    def _page_confirmed(self, index: int) -> None:
        if self.page_data_at is not None:
            self.engine.report.pages[index].sending_s = self.clock() - self.page_data_at
        self.page_data_at, self.ecm_page_started = None, False
        if self.on_page_confirmed is not None:
            self._callback(self.on_page_confirmed, self.engine.report.pages[index])

    def _keep(self, page) -> None:
        if page is not None and self.received and self.received.on_page_received:
            self._callback(self.received.on_page_received, page)

    def _callback(self, func, arg) -> None:
        # Run as a task: a slow database write must not stall T.30 timing. The tasks
        # are awaited (shielded) before the result is returned.
        try:
            result = func(arg)
        except Exception as exc:  # noqa: BLE001 - a callback bug must not kill the call
            self.trace.add("note", "callback failed", repr(exc))
            return
        if inspect.isawaitable(result):
            self.callbacks.append(asyncio.ensure_future(result))

    # --- line actions -------------------------------------------------------------------
    async def _perform(self, action: ev.LineAction) -> ev.Event:
        if isinstance(action, ev.AwaitPageQuality):
            assert self.received is not None
            if action.timeout_s is not None and \
                    not await self.received.ready(action.index, action.timeout_s):
                self.trace.add("event", f"page {action.index + 1} still being decoded")
                return ev.PageQualityPending(self.clock(), action.index)
            quality = await self.received.quality(action.index)
            return ev.PageQualityKnown(self.clock(), action.index, quality)
        if isinstance(action, ev.SendPage):
            return await self._send_page(action)
        if isinstance(action, ev.FetchPage):
            return await self._fetch_page(action)
        guard, call, done = self._plan(action)
        self.trace.add("cmd", type(action).__name__, _describe_action(action))
        self._note_page_data(action)
        try:
            async with asyncio.timeout(guard):
                result = await call()
        except TimeoutError:
            return self._overrun(action)
        except LinkError as exc:
            return self._link_error(exc)
        return done(result)

    def _note_page_data(self, action: ev.LineAction) -> None:
        # The last image carrier before a confirmation is the page's (a TCF is always
        # answered by CFR first); an ECM page starts with its first partial page's frames.
        if isinstance(action, ev.SendImage):
            self.page_data_at = self.clock()
        elif isinstance(action, ev.SendHdlcFrames) and not self.ecm_page_started:
            self.page_data_at, self.ecm_page_started = self.clock(), True

    def _plan(self, action: ev.LineAction):
        """(guard seconds, the link call, how its result becomes an event)."""
        margin, link = self.config.io_margin_s, self.link
        if isinstance(action, ev.SendFrames):
            seconds = sum(len(f) + 4 for f in action.frames) * 8 / V21_BITS_PER_S + 1.0
            return seconds + margin, lambda: self._send_frames(action), \
                self._frames_sent(action)
        if isinstance(action, ev.ReceiveFrame):
            return action.timeout_s + 2.0, lambda: self._receive_frame(action), \
                self._frame_received
        if isinstance(action, ev.SendImage):
            seconds = len(action.data) * 8 / action.modulation.bit_rate
            return seconds + margin, lambda: link.send_image(action.modulation, action.data), \
                lambda _: ev.ImageSent(self.clock())
        if isinstance(action, ev.ReceiveImage):
            longest = self.config.max_page_s if action.purpose == "page" else 5.0
            return action.timeout_s + longest, \
                lambda: link.receive_image(action.modulation, action.timeout_s), \
                self._image_received
        if isinstance(action, ev.SendSilence):
            return action.ms / 1000 + margin, lambda: link.send_silence(action.ms), \
                lambda _: ev.SilenceDone(self.clock())
        if isinstance(action, ev.SendHdlcFrames):
            seconds = sum(len(f) + 4 for f in action.frames) * 8 / action.modulation.bit_rate
            return seconds * 1.25 + 2.0 + margin, \
                lambda: link.send_hdlc(action.modulation, list(action.frames)), \
                self._hdlc_sent(action)
        if isinstance(action, ev.ReceiveHdlcFrames):
            return action.timeout_s + self.config.max_page_s, \
                lambda: link.receive_hdlc(action.modulation, action.timeout_s), \
                self._hdlc_received
        raise TypeError(f"not a line action: {action!r}")

    async def _send_frames(self, action: ev.SendFrames) -> None:
        if action.wait_silence_ms:
            try:
                await self.link.wait_silence(action.wait_silence_ms)
            except (LineDropped, ModemFault):
                raise
            except LinkError as exc:  # a modem without +FRS: go on, the frames matter more
                self.trace.add("event", "wait_silence failed", str(exc))
        await self.link.send_frames(list(action.frames))

    async def _receive_frame(self, action: ev.ReceiveFrame):
        if action.wait_silence_ms:  # let a carrier that is not V.21 end first (+FRS)
            await self.link.wait_silence(action.wait_silence_ms)
        return await self.link.receive_frame(action.timeout_s)

    def _frames_sent(self, action: ev.SendFrames):
        def done(_: Any) -> ev.Event:
            for frame in action.frames:
                self.trace.add("tx", describe(frame))
            return ev.FramesSent(self.clock())
        return done

    def _frame_received(self, frame) -> ev.Event:
        self.trace.add("rx", describe(frame.data), "" if frame.fcs_ok else "FCS error")
        return ev.FrameReceived(self.clock(), frame)

    def _hdlc_sent(self, action: ev.SendHdlcFrames):
        def done(_: Any) -> ev.Event:
            self.trace.add("tx", f"{len(action.frames)} ECM frames at "
                           f"{action.modulation.family} {action.modulation.bit_rate}")
            return ev.FramesSent(self.clock())
        return done

    def _hdlc_received(self, frames) -> ev.Event:
        bad = sum(1 for f in frames if not f.fcs_ok)
        self.trace.add("rx", f"{len(frames)} ECM frames", f"{bad} with FCS errors" if bad else "")
        return ev.HdlcFramesReceived(self.clock(), tuple(frames))

    async def _fetch_page(self, action: ev.FetchPage) -> ev.Event:
        assert self.pages is not None
        try:
            data = await self.pages.get(action.index, action.fmt)
        except Exception as exc:  # noqa: BLE001 - any encoder failure ends the call cleanly
            return self._page_failed(action.index, exc)
        self.pages.prefetch(action.fmt, action.index + 1)  # the next page while this one goes
        self.trace.add("event", f"page {action.index + 1}: {len(data)} bytes coded")
        return ev.PageFetched(self.clock(), action.index, data)

    def _page_failed(self, index: int, exc: Exception) -> ev.Event:
        self.trace.add("event", "page encoding failed", repr(exc))
        outcome = Outcome.WORKER_LOST if isinstance(exc, PageSourceLost) else Outcome.DOCUMENT_ERROR
        return ev.Abort(self.clock(), outcome, f"page {index + 1}: {exc}")

    def _image_received(self, data: bytes) -> ev.Event:
        self.trace.add("rx", f"image data {len(data)} bytes")
        return ev.ImageReceived(self.clock(), data)

    async def _send_page(self, action: ev.SendPage) -> ev.Event:
        assert self.pages is not None
        try:
            data = await self.pages.get(action.index, action.fmt)
        except Exception as exc:  # noqa: BLE001 - any encoder failure ends the call cleanly
            return self._page_failed(action.index, exc)
        self.pages.prefetch(action.fmt, action.index + 1)  # the next page while this one goes
        return await self._perform(ev.SendImage(action.modulation, data))

    def _link_error(self, exc: LinkError) -> ev.Event:
        failure = next((f for cls, f in _FAILURES if isinstance(exc, cls)),
                       ev.LinkFailure.MODEM_FAULT)
        self.trace.add("event", failure.value, str(exc))
        return ev.LinkFailed(self.clock(), failure)

    def _overrun(self, action: ev.LineAction) -> ev.Event:
        # A receive that the link did not end itself in time is a time-out as the engine
        # sees it; a send that never completes is a modem that stopped answering.
        receiving = isinstance(action, (ev.ReceiveFrame, ev.ReceiveImage))
        failure = ev.LinkFailure.TIMEOUT if receiving else ev.LinkFailure.MODEM_FAULT
        self.trace.add("event", failure.value, f"{type(action).__name__} overran its guard")
        return ev.LinkFailed(self.clock(), failure)

    async def settle(self) -> None:
        """Await the callbacks (shielded) and stop the page workers."""
        if self.callbacks:
            gathered = asyncio.gather(*self.callbacks, return_exceptions=True)
            try:
                async with asyncio.timeout(self.config.callback_grace_s):
                    done = await asyncio.shield(gathered)
            except TimeoutError:
                self.trace.add("note", "page callbacks still running; not waited for")
                done = []
            for result in done:
                if isinstance(result, Exception):
                    self.trace.add("note", "callback failed", repr(result))
        if self.pages:
            await self.pages.close()
        if self.received:
            await self.received.close()


def _describe_action(action: ev.LineAction) -> str:
    if isinstance(action, ev.SendFrames):
        silence = f" after {action.wait_silence_ms} ms silence" if action.wait_silence_ms else ""
        return f"{len(action.frames)} frame(s){silence}"
    if isinstance(action, (ev.SendImage, ev.ReceiveImage)):
        size = f" {len(action.data)} bytes" if isinstance(action, ev.SendImage) else ""
        return f"{action.modulation.family} {action.modulation.bit_rate}{size}"
    if isinstance(action, ev.ReceiveFrame):
        return f"timeout {action.timeout_s:.2f} s"
    if isinstance(action, (ev.SendHdlcFrames, ev.ReceiveHdlcFrames)):
        count = f" {len(action.frames)} frames" if isinstance(action, ev.SendHdlcFrames) else ""
        return f"HDLC {action.modulation.family} {action.modulation.bit_rate}{count}"
    if isinstance(action, ev.SendSilence):
        return f"{action.ms} ms"
    return ""


# --- the two sessions -------------------------------------------------------------------
