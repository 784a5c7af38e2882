"""The T.30 firmware of a simulated Class 2 / 2.0 modem: one call, one engine.

The modem runs faxgw's I/O-free T.30 engine (the one faxgw import hw-sim accepts: efax, at
the other end of the line, checks it independently). This module performs the engine's
line actions on the simulated line (``class2_line``) and meets the DTE where Class 2 puts
the DTE in charge: the page data (``+FDT``), the post-page message (``+FET`` or T.32's
in-band <DLE><ppm>) and, when receiving, the page's quality (``+FPS``/``+FPTS``) before
the response to the post-page message goes out.

Known limits of the engine that show here: no ECM (``ecm_supported``), and EOM (another
document in the same call) is sent as MPS.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

from faxgw.outcome import Outcome
from faxgw.session import PageOutcome, PageResult, Resolution
from faxgw.t30 import events as ev
from faxgw.t30.dis import DcsSettings, DisCapabilities
from faxgw.t30.frames import FCF, decode_ident, parse_frame
from faxgw.t30.link import Modulation as T30Modulation
from faxgw.t30.negotiate import LocalCapabilities, PageQuality
from faxgw.t30.receiver import Receiver
from faxgw.t30.states import State
from faxgw.t30.timers import Timers
from faxgw.t30.transmitter import Transmitter

from . import class2_params as cp
from .class2_line import BytesToSend, FirmwareLine, LineGone, NoSignal, WrongSignal
from .modulation import by_code
from .timing import now

if TYPE_CHECKING:
    from .line import Call
    from .modem import Modem

DTE_TIMEOUT_S = 30.0  # T.32 +FCT default: the DTE must act within 30 s in phase C/D
WAIT_SILENCE_LIMIT_S = 10.0
HANG_UP_AFTER_LAST_FRAME_S = 0.1
# Page quality the engine's default policy judges MCF, RTN and RTP (+FPS 1, 2, 3).
_QUALITY = {cp.FPS_MCF: PageQuality(100, 0, 0), cp.FPS_RTN: PageQuality(100, 100, 100),
            cp.FPS_RTP: PageQuality(100, 5, 5)}
_PPM_FCF = {FCF.MPS: cp.PPM_MPS, FCF.EOM: cp.PPM_EOM, FCF.EOP: cp.PPM_EOP}


# The hook for ECM: this firmware offers ECM (EC > 0 in +FCC=?, accepted in
# +FCC=/+FIS=) only when the T.30 engine it runs does ECM. Today's engine never negotiates
# it (LocalCapabilities.ecm: "never offered"), so the modem refuses EC=1. Once the engine
# has ECM: set this True and pass ``ecm=caps.ec > 0`` into ``local_capabilities``.
ENGINE_DOES_ECM = False


def ecm_supported() -> bool:
    return ENGINE_DOES_ECM


def local_capabilities(modem: "Modem", caps: cp.Params, ident: str,
                       sending: cp.Params | None = None) -> LocalCapabilities:
    """The engine's view of the modem: its profile's modulations up to BR, and the
    resolutions, widths and codings of ``caps`` (and of the session, when sending)."""
    limit = cp.BIT_RATES[caps.br if sending is None else min(caps.br, sending.br)]
    codes = modem.profile.ftm if sending is not None else modem.profile.frm
    known = {m.value for m in T30Modulation}
    mods = tuple(T30Modulation(c) for c in codes
                 if c in known and T30Modulation(c).bit_rate <= limit)
    vr = caps.vr if sending is None else sending.vr
    df = caps.df if sending is None else min(caps.df, sending.df)
    wd = caps.wd if sending is None else min(caps.wd, sending.wd)
    return LocalCapabilities(
        ident=ident, modulations=mods,
        resolutions=frozenset({Resolution.STANDARD} | ({Resolution.FINE} if vr else set())),
        mr=df >= 1, widths=cp.WIDTHS_PX[:wd + 1],
        lengths=cp.LENGTHS[:(caps.ln if sending is None else sending.ln) + 1])


def dcs_params(dcs: DcsSettings) -> cp.Params:
    return cp.Params(vr=0 if dcs.resolution is Resolution.STANDARD else 1,
                     br=cp.BIT_RATES.index(dcs.modulation.bit_rate),
                     wd=cp.WIDTHS_PX.index(dcs.width_px), ln=cp.LENGTHS.index(dcs.length),
                     df=1 if dcs.coding.value == "MR" else 0, ec=0, bf=0,
                     st=cp.ST_BY_SCAN_MS.get(dcs.min_scan_ms, 0))


def dis_params(dis: DisCapabilities) -> cp.Params:
    top = max((m.bit_rate for m in dis.modulations), default=2400)
    return cp.Params(vr=1 if dis.fine else 0, br=cp.BIT_RATES.index(top),
                     wd=max(cp.WIDTHS_PX.index(w) for w in dis.widths),
                     ln=max(cp.LENGTHS.index(n) for n in dis.lengths), df=1 if dis.mr else 0,
                     ec=0, bf=0, st=cp.ST_BY_SCAN_MS.get(dis.scan_ms[0], 0))


def hangup_code(outcome: Outcome, phase: str, sending: bool) -> int:
    """The +FHS/+FHNG code for how the engine ended the call (T.32 Table 26)."""
    fixed = {Outcome.SUCCESS: cp.HS_NORMAL, Outcome.NO_FAX_AT_FAR_END: cp.HS_NO_ANSWER_T1,
             Outcome.INCOMPATIBLE: cp.HS_REMOTE_CANNOT,
             Outcome.TRAINING_FAILED: cp.HS_TRAINING_FAILED,
             Outcome.EOP_UNANSWERED: cp.HS_EOP_UNANSWERED, Outcome.CANCELLED: cp.HS_ABORTED,
             Outcome.PAGE_REJECTED: cp.HS_TX_D}
    if outcome in fixed:
        return fixed[outcome]
    if outcome is Outcome.MODEM_FAULT:
        return cp.HS_DTE_UNDERFLOW_TX if sending else cp.HS_DTE_UNDERFLOW_RX
    if outcome is Outcome.PROTOCOL_TIMEOUT:
        if sending:
            return cp.HS_DCS_UNANSWERED if phase == "B" else cp.HS_MPS_UNANSWERED
        return cp.HS_RX_T2
    if outcome is Outcome.PROTOCOL_ERROR:
        if sending:
            return cp.HS_TX_COMREC_INVALID if phase == "B" else cp.HS_TX_D_INVALID
        return cp.HS_RX_COMREC_ERROR if phase == "B" else cp.HS_RX_D_INVALID
    # The far end went away (FAR_END_HUNG_UP and the rest): the unspecified error of the
    # phase we were in.
    by_phase = ({"A": cp.HS_TX_B, "B": cp.HS_TX_B, "C": cp.HS_TX_C} if sending else
                {"A": cp.HS_RX_B, "B": cp.HS_RX_B, "C": cp.HS_RX_C})
    return by_phase.get(phase, cp.HS_TX_D if sending else cp.HS_RX_D)


class RxPage:
    """A page arriving from the line, handed to the DTE as it comes (``+FDR``)."""

    def __init__(self) -> None:
        self.chunks: deque[bytes] = deque()
        self.ended = False

        self.started = False  # data came: the DTE's +FDR gets CONNECT

    def push(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        self.started = True


class Firmware:
    def __init__(self, modem: "Modem", call: "Call", sending: bool) -> None:
        self.modem, self.call, self.sending = modem, call, sending
        self.line = FirmwareLine(modem, call)
        self.engine: Transmitter | Receiver | None = None
        self.task: asyncio.Task | None = None
        self._waiters: list[asyncio.Future] = []
        self.hangup: int | None = None  # set when the call is over
        self.remote_ident: str | None = None
        self.remote_dis: DisCapabilities | None = None
        self.dcs: DcsSettings | None = None
        self.prelude: deque[ev.FrameReceived] = deque()  # frames heard before +FDT
        # sending
        self.pages_in: deque = deque()  # page buffers from +FDT
        self.ppms_in: deque[int] = deque()  # post-page messages from the DTE
        self.page_status: deque[int] = deque()  # +FPS codes for the DTE
        self.wants_page = False
        self._awaiting_response = False
        # receiving
        self.rx_page: RxPage | None = None
        self.pages_expected = 0  # ReceiveImage(page) started: ATA may report
        self.ppm_heard: int | None = None  # the PPM after the current page, known
        self.verdicts: deque[int] = deque()

    # -- waiting on each other -------------------------------------------------------------
    def wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(None)

    async def until(self, predicate, timeout_s: float | None = None) -> bool:
        """Wait until ``predicate()`` holds (True) or the call is over / time is up."""
        deadline = None if timeout_s is None else now() + timeout_s
        while not predicate():
            if self.hangup is not None:
                await asyncio.sleep(0)  # a caller looping on us must not starve the loop
                return predicate()
            future = asyncio.get_running_loop().create_future()
            self._waiters.append(future)
            remaining = None if deadline is None else deadline - now()
            if remaining is not None and remaining <= 0:
                return False
            try:
                await asyncio.wait_for(future, remaining)
            except asyncio.TimeoutError:
                return predicate()
        return True

    # -- phase B before the DTE has said what it sends (ATD) ---------------------------------
    async def await_dis(self, t1_s: float) -> bool:
        """Listen for the answerer's CSI/DIS; the frames are kept for the engine, which
        starts at +FDT when the DTE's session parameters (+FIS) are final."""
        deadline = now() + t1_s
        while now() < deadline:
            try:
                frame = await self.line.receive_frame(deadline - now())
            except WrongSignal:
                continue
            except (NoSignal, LineGone):
                return False
            self.prelude.append(ev.FrameReceived(0.0, frame))
            parsed = parse_frame(frame.data) if frame.fcs_ok else None
            if parsed is not None and parsed.fcf is FCF.CSI:
                self.remote_ident = decode_ident(parsed.fif)
            if parsed is not None and parsed.fcf is FCF.DIS:
                try:
                    self.remote_dis = DisCapabilities.decode(parsed.fif)
                except ValueError:
                    continue
                return True
        return False

    def start(self, engine: Transmitter | Receiver) -> None:
        self.engine = engine
        self.task = asyncio.get_running_loop().create_task(self._run())

    def start_sending(self, caps: cp.Params, session: cp.Params, ident: str) -> None:
        local = local_capabilities(self.modem, caps, ident, sending=session)
        res = Resolution.FINE if session.vr else Resolution.STANDARD
        self.start(Transmitter(local, 1, res, cp.WIDTHS_PX[session.wd], Timers()))

    def start_receiving(self, caps: cp.Params, ident: str) -> None:
        self.start(Receiver(local_capabilities(self.modem, caps, ident), timers=Timers()))

    def stop(self) -> None:
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()
        if self.hangup is None:
            self.hangup = cp.HS_ABORTED
        self.wake()

    # -- the engine loop -----------------------------------------------------------------------
    async def _run(self) -> None:
        engine = self.engine
        assert engine is not None
        t0 = now()
        actions = engine.handle(ev.Start(0.0))
        try:
            while True:
                self._notifications(actions[:-1])
                line = actions[-1]
                if isinstance(line, ev.Finish):
                    await self._finished(line.outcome)
                    return
                event = await self._perform(line, lambda: now() - t0)
                actions = engine.handle(event)
                self._after_response(actions)
        except Exception as exc:  # noqa: BLE001 - a firmware bug ends the call, logged
            self.modem.exchange.log.internal_error(self.modem.name, exc)
            await self._finished(Outcome.MODEM_FAULT)

    def _notifications(self, actions: list[ev.Action]) -> None:
        for action in actions:
            if isinstance(action, ev.PageConfirmed) and self.engine is not None:
                page = self.engine.report.pages[action.index]
                retrain = page.outcome is PageOutcome.CONFIRMED_RETRAIN
                self._page_status(cp.FPS_RTP if retrain else cp.FPS_MCF)

    def _after_response(self, actions: list[ev.Action]) -> None:
        # RTN: the engine retrains to send the page again (DCS) without a PageConfirmed.
        if self._awaiting_response and self.engine.state is State.T_SEND_DCS:
            self._page_status(cp.FPS_RTN)

    def _page_status(self, code: int) -> None:
        if self._awaiting_response:
            self._awaiting_response = False
            self.page_status.append(code)
            self.wake()

    async def _finished(self, outcome: Outcome) -> None:
        engine = self.engine
        phase = engine.report.phase.value if engine is not None else "A"
        self.dcs = engine.report.dcs if engine is not None else self.dcs
        code = hangup_code(outcome, phase, self.sending)
        if self.modem.call is self.call:
            # On hook once our last frame (DCN) has surely reached the far end's DTE: a
            # line cut the instant the closing flag left would lose it at the far modem.
            await asyncio.sleep(self.modem.timing.signal(HANG_UP_AFTER_LAST_FRAME_S))
        if self.modem.call is self.call:
            self.modem.hang_up("completed" if code == 0 else f"hangup_{code}")
        self.hangup = code
        self.wake()

    async def _perform(self, action, clock) -> ev.Event:
        try:
            return await self._line_action(action, clock)
        except LineGone:
            return ev.LinkFailed(clock(), ev.LinkFailure.LINE_DROPPED)
        except NoSignal:
            return ev.LinkFailed(clock(), ev.LinkFailure.TIMEOUT)
        except WrongSignal:
            return ev.LinkFailed(clock(), ev.LinkFailure.WRONG_CARRIER)

    async def _line_action(self, action, clock) -> ev.Event:
        line = self.line
        if isinstance(action, ev.SendFrames):
            if action.wait_silence_ms:
                await line.wait_silence(action.wait_silence_ms, WAIT_SILENCE_LIMIT_S)
            await line.send_frames(action.frames)
            return ev.FramesSent(clock())
        if isinstance(action, ev.ReceiveFrame):
            if self.prelude:
                return ev.FrameReceived(clock(), self.prelude.popleft().frame)
            if action.wait_silence_ms:
                await line.wait_silence(action.wait_silence_ms, WAIT_SILENCE_LIMIT_S)
            return ev.FrameReceived(clock(), await line.receive_frame(action.timeout_s))
        if isinstance(action, ev.SendImage):
            await line.send_image(_line_mod(action.modulation), _tcf_buffer(action.data))
            return ev.ImageSent(clock())
        if isinstance(action, ev.SendSilence):
            await line.silence(action.ms)
            if self.engine.state is State.T_SILENCE_BEFORE_PPM:
                return await self._post_page_message(clock)
            return ev.SilenceDone(clock())
        if isinstance(action, ev.SendPage):
            return await self._send_page(action, clock)
        if isinstance(action, ev.ReceiveImage):
            return await self._receive_image(action, clock)
        if isinstance(action, ev.AwaitPageQuality):
            return await self._page_quality(action, clock)
        raise TypeError(f"not a line action: {action!r}")

    # -- sending: the DTE gives page data and post-page messages -----------------------------
    async def _send_page(self, action: ev.SendPage, clock) -> ev.Event:
        self.dcs = self.engine.report.dcs
        self.wants_page = True
        self.wake()
        if not await self._from_dte(lambda: self.pages_in):
            return ev.Abort(clock(), Outcome.MODEM_FAULT, "no page data from the DTE")
        self.wants_page = False
        buffer = self.pages_in.popleft()
        try:
            await self.line.send_image(_line_mod(action.modulation), buffer)
        finally:
            buffer.sent = True
            self.wake()
        if buffer.ppm is not None:
            self.ppms_in.append(buffer.ppm)
        return ev.ImageSent(clock())

    async def _post_page_message(self, clock) -> ev.Event:
        if not await self._from_dte(lambda: self.ppms_in):
            return ev.LinkFailed(clock(), ev.LinkFailure.MODEM_FAULT)
        ppm = self.ppms_in.popleft()
        engine = self.engine
        pages = engine.report.pages
        # The engine sends EOP after its last page: the DTE's message says which one is.
        if ppm == cp.PPM_EOP:
            del pages[engine.page + 1:]
        elif engine.page == len(pages) - 1:
            pages.append(PageResult(index=len(pages)))
        self._awaiting_response = True
        return ev.SilenceDone(clock())

    async def _from_dte(self, ready) -> bool:
        gone = asyncio.ensure_future(self._line_gone())
        try:
            waited = asyncio.ensure_future(self.until(ready, DTE_TIMEOUT_S))
            done, _ = await asyncio.wait({gone, waited}, return_when=asyncio.FIRST_COMPLETED)
            if gone in done:
                waited.cancel()
                raise LineGone()
            return waited.result()
        finally:
            gone.cancel()

    async def _line_gone(self) -> None:
        await self.call.over.wait()

    # -- receiving: the page goes to the DTE, the DTE judges it ------------------------------
    async def _receive_image(self, action: ev.ReceiveImage, clock) -> ev.Event:
        if action.purpose != "page":
            data = await self.line.receive_image(_line_mod(action.modulation), action.timeout_s)
            return ev.ImageReceived(clock(), data)
        self.dcs = self.engine.report.dcs
        page = RxPage()
        self.rx_page = page
        self.pages_expected += 1
        self.wake()
        try:
            data = await self.line.receive_image(_line_mod(action.modulation),
                                                 action.timeout_s, sink=self._sink(page))
        finally:
            page.ended = True
            self.wake()
        return ev.ImageReceived(clock(), data)

    def _sink(self, page: RxPage):
        def sink(chunk: bytes) -> None:
            page.push(chunk)
            self.wake()
        return sink

    async def _page_quality(self, action: ev.AwaitPageQuality, clock) -> ev.Event:
        self.ppm_heard = _PPM_FCF.get(self.engine.ppm, cp.PPM_MPS)
        self.wake()
        if not await self._from_dte(lambda: self.verdicts):
            return ev.LinkFailed(clock(), ev.LinkFailure.MODEM_FAULT)
        self.ppm_heard = None
        code = self.verdicts.popleft()
        return ev.PageQualityKnown(clock(), action.index, _QUALITY.get(code, _QUALITY[1]))


def _line_mod(modulation: T30Modulation):
    return by_code(modulation.value)


def _tcf_buffer(data: bytes) -> BytesToSend:
    return BytesToSend(data)
