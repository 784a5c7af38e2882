"""The T.30 firmware of a simulated Class 2 / 2.0 modem: spandsp's T.30 engine, one per call.

The engine (spandsp 0.0.6 through its C API, in the helper process of ``spandsp_t30``)
runs the protocol; ``class2_front_end`` carries its frames and image data on hw-sim's line.
This module meets the DTE where Class 2 puts the DTE in charge: the page data (``+FDT``)
and post-page message (``+FET`` or T.32's in-band <DLE><ppm>) going out, the pages
(``+FDR``) coming in, and the reports: ``+FCS`` from the DCS on the line, ``+FPS`` from the
receiver's response, ``+FET`` from the sender's post-page message, ``+FHS`` from the
engine's completion code (``class2_hangup``). Nothing here is faxgw's.

Known limits: EOM (another document in the same call) is sent as MPS; a receiving DTE's
``+FPS=2`` does not override spandsp's own copy-quality verdict.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import class2_dis as dis
from . import class2_params as cp
from .class2_front_end import FrontEnd
from .class2_hangup import gone, hangup_code
from .class2_line import FirmwareLine, LineGone, NoSignal, ReceivedFrame, WrongSignal
from .spandsp_t30 import ENCODING_BY_DF, SpandspT30
from .timing import now

if TYPE_CHECKING:
    from .line import Call
    from .modem import Modem

DTE_TIMEOUT_S = 30.0  # T.32 +FCT default: the DTE must act within 30 s in phase C/D
HANG_UP_AFTER_LAST_FRAME_S = 0.1
LAST_WORD_S = 2.0  # how long the engine may take to report the end once the line went


def ecm_supported() -> bool:
    """spandsp's engine does ECM: the modem offers EC 1 and 2 (and MMR with it)."""
    return True


def dcs_params(dcs: cp.Params) -> cp.Params:
    return dcs


def dis_params(remote: cp.Params) -> cp.Params:
    return remote


class RxPage:
    """A page arriving from the line, handed to the DTE as it comes (``+FDR``)."""

    def __init__(self) -> None:
        self.chunks: deque[bytes] = deque()
        self.ended = False
        self.started = False  # data came: the DTE's +FDR gets CONNECT
        self.ppm: int | None = None  # the post-page message after it, once answered

    def push(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        self.started = True


@dataclass
class EcmBlock:
    """The frames of the ECM block being received, by frame number."""

    frames: dict[int, bytes]
    pps: bytes | None = None  # the last PPS's FIF: ppm, page, block, frames - 1
    # Frames in the block: the most any of its PPSs counted (spandsp, sending again after
    # PPR, counts only the frames it resent).
    count: int = 0


class Firmware:
    def __init__(self, modem: "Modem", call: "Call", sending: bool) -> None:
        self.modem, self.call, self.sending = modem, call, sending
        self.line = FirmwareLine(modem, call)
        self.engine: SpandspT30 | None = None
        self.task: asyncio.Task | None = None
        self._waiters: list[asyncio.Future] = []
        self.hangup: int | None = None  # set when the call is over
        self.remote_ident: str | None = None
        self.remote_dis: cp.Params | None = None
        self.dcs: cp.Params | None = None
        self.phase = "A"
        self.prelude: list[ReceivedFrame] = []  # frames heard before +FDT
        # sending (the DTE's pages and post-page messages, the receiver's responses)
        self.pages_in: deque = deque()  # page buffers from +FDT
        self.ppms_in: deque[int] = deque()  # post-page messages from the DTE
        self.page_status: deque[int] = deque()  # +FPS codes for the DTE
        self.wants_page = False
        self.last_ppm: int | None = None
        self._awaiting_response = False
        self._page_due = False
        # receiving
        self.rx_page: RxPage | None = None
        self.pages_expected = 0  # pages started: ATA may report
        self._expect_page = False
        self._ppm_in: int | None = None
        self._block = EcmBlock({})
        self.hangup_pending: int | None = None
        self._all_confirmed = False  # the response to EOP was positive

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
            self.prelude.append(frame)
            if frame.fcs_ok:
                self.saw(frame.data, sent=False)
            if frame.fcs_ok and dis.fcf(frame.data) == dis.DIS:
                return True
        return False

    def start_sending(self, caps: cp.Params, session: cp.Params, ident: str) -> None:
        br = min(caps.br, session.br)
        self._start(calling=True, ident=ident, ecm=min(caps.ec, session.ec) > 0,
                    max_rate=cp.BIT_RATES[br], df=min(caps.df, session.df),
                    fine=bool(session.vr), width=cp.WIDTHS_PX[min(caps.wd, session.wd)])

    def start_receiving(self, caps: cp.Params, ident: str) -> None:
        self._start(calling=False, ident=ident, ecm=caps.ec > 0,
                    max_rate=cp.BIT_RATES[caps.br], df=caps.df, fine=bool(caps.vr),
                    width=cp.WIDTHS_PX[caps.wd])

    def _start(self, **options) -> None:
        self.engine = SpandspT30()
        self.task = asyncio.get_running_loop().create_task(self._run(options))

    def stop(self) -> None:
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()
        if self.hangup is None:
            self.hangup = cp.HS_ABORTED
        self.wake()

    # -- the call -------------------------------------------------------------------------------
    async def _run(self, options: dict) -> None:
        engine = self.engine
        front = FrontEnd(self, engine)
        helpers: list[asyncio.Task] = []
        outcome: int | None = None
        try:
            await engine.start(**options)
            loop = asyncio.get_running_loop()
            helpers = [loop.create_task(front.tick()), loop.create_task(front.receive())]
            self._replay_prelude(engine)
            gone_wait = loop.create_task(self.call.over.wait())
            helpers.append(gone_wait)
            while outcome is None:
                get = loop.create_task(engine.messages.get())
                done, _ = await asyncio.wait({get, gone_wait},
                                             return_when=asyncio.FIRST_COMPLETED)
                if get not in done:
                    get.cancel()
                    raise LineGone()
                msg = get.result()
                if msg is None:
                    raise RuntimeError("spandsp's T.30 process ended without phase E")
                if not await front.perform(msg):
                    outcome = self.hangup_pending
        except LineGone:
            outcome = await self._line_gone(engine)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a firmware bug ends the call, logged
            self.modem.exchange.log.internal_error(self.modem.name, exc)
            outcome = cp.HS_DTE_UNDERFLOW_TX if self.sending else cp.HS_DTE_UNDERFLOW_RX
        finally:
            for task in helpers:
                task.cancel()
            await engine.close()
        await self._finished(outcome)

    async def _line_gone(self, engine: SpandspT30) -> int:
        """The line went: the engine says how far it had got (t30_terminate keeps its
        status when only DCN was left, or its failure, e.g. no training, was already
        known; else the call dropped)."""
        engine.send("K")
        deadline = now() + LAST_WORD_S
        while (remaining := deadline - now()) > 0:
            try:
                msg = await asyncio.wait_for(engine.messages.get(), remaining)
            except asyncio.TimeoutError:
                break
            if msg is None:
                break
            if msg.tag == "Z":
                self.engine_done(*msg.fields)
                return self.hangup_pending
        return cp.HS_NORMAL if self._all_confirmed else gone(self.phase, self.sending)

    def _replay_prelude(self, engine: SpandspT30) -> None:
        if self.prelude:
            engine.send("C h up")
            for frame in self.prelude:
                engine.send(f"F {int(frame.fcs_ok)} {frame.data.hex()}")
            engine.send("C h down")

    def engine_done(self, completion: int, pages: int, bit_rate: int, ecm: int,
                    encoding: int, ecm_retries: int) -> None:
        """spandsp's phase E: its completion code becomes the hang-up code; what it says of
        the call goes into the call's record."""
        self.hangup_pending = hangup_code(completion, self.phase, self.sending, self.last_ppm)
        self.call.record.notes.append(
            f"{self.modem.name}: spandsp T.30 completion {completion}, {pages} page(s), "
            f"{bit_rate} bit/s, ecm={ecm}, encoding={encoding}, ecm retries={ecm_retries}")

    async def _finished(self, code: int) -> None:
        if self.modem.call is self.call:
            # On hook once our last frame (DCN) has surely reached the far end's DTE: a
            # line cut the instant the closing flag left would lose it at the far modem.
            await asyncio.sleep(self.modem.timing.signal(HANG_UP_AFTER_LAST_FRAME_S))
        if self.modem.call is self.call:
            self.modem.hang_up("completed" if code == 0 else f"hangup_{code}")
        self.hangup = code
        self.wake()

    # -- what goes by on the line ------------------------------------------------------------
    def saw(self, frame: bytes, sent: bool) -> None:
        code, fif = dis.fcf(frame), frame[3:]
        if code is None:
            return
        if self.phase == "A":
            self.phase = "B"
        if code in (dis.CSI, dis.TSI) and not sent:
            self.remote_ident = dis.ident(fif)
        elif code == dis.DIS and not sent:
            self.remote_dis = dis.params(fif, command=False)
        elif code == dis.DCS:
            self.dcs = dis.params(fif, command=True)
            self._expect_page = self._page_due = False
            self.phase = "B"
        elif code == dis.FCD:
            self._ecm_frame(frame, sent)
        elif sent:
            self._sent(code, fif)
        else:
            self._heard(code, fif)

    def _sent(self, code: int, fif: bytes) -> None:
        if code == dis.CFR:
            self._expect_page = True
        elif code in dis.PPM_CODE or (code == dis.PPS and fif[:1] != b"\x00"):
            ppm = dis.PPM_CODE.get(code if code != dis.PPS else (fif[0] & 0xFE), cp.PPM_MPS)
            self.last_ppm, self._awaiting_response = ppm, True
            self.phase = "D"
        elif code in dis.RESPONSE_CODE and not self.sending:
            self._answered(positive=code in (dis.MCF, dis.RTP, dis.PIP))

    def _heard(self, code: int, fif: bytes) -> None:
        if code == dis.CFR and self.sending:
            self._page_due = True
        if code in dis.RESPONSE_CODE and self.sending and self._awaiting_response:
            self._awaiting_response = False
            more = self.last_ppm in (cp.PPM_MPS, cp.PPM_EOM)
            positive = code in (dis.MCF, dis.RTP, dis.PIP)
            self._page_due = more and positive
            self._all_confirmed = positive and self.last_ppm == cp.PPM_EOP
            self.page_status.append(dis.RESPONSE_CODE[code])
            self.wake()
        elif code in dis.PPM_CODE:
            self._ppm_in = dis.PPM_CODE[code]
            self.phase = "D"
        elif code == dis.PPS and len(fif) >= 4:
            self._block.pps = bytes(fif)
            self._block.count = max(self._block.count, fif[3] + 1)
            ppm = fif[0] & 0xFE
            self._ppm_in = dis.PPM_CODE.get(ppm) if ppm else None
            self.phase = "D"

    def _answered(self, positive: bool) -> None:
        """We answered a post-page message (or a PPS): an ECM block is complete, and with
        a PPM the page is; the DTE gets both."""
        page = self.rx_page
        if page is None:
            return
        if self._block.pps is not None:
            frames = self._block.frames
            page.push(b"".join(frames.get(n, b"") for n in range(self._block.count)))
            self._block = EcmBlock({})
            self.wake()
        if self._ppm_in is not None:
            page.ppm, self._ppm_in = self._ppm_in, None
            self._all_confirmed = positive and page.ppm == cp.PPM_EOP
            page.ended = True
            self._expect_page = True  # after MPS the next page follows without training
            self.wake()

    def _ecm_frame(self, frame: bytes, sent: bool) -> None:
        self.phase = "C"
        if sent:
            return
        self._block.frames[frame[3]] = frame[4:]  # a frame sent again replaces a bad one
        if self.rx_page is None or self.rx_page.ended:
            self._new_rx_page()

    # -- sending: the DTE's pages ------------------------------------------------------------
    def page_due(self) -> bool:
        """The engine's next image carrier is a page (the receiver confirmed training, or
        accepted the page before an MPS), not TCF."""
        return self._page_due

    async def page_from_dte(self):
        """The DTE's next page (+FDT): its buffer, filled as the DTE sends."""
        self.phase = "C"
        self.wants_page = True
        self.wake()
        if not await self._from_dte(lambda: bool(self.pages_in)):
            raise LineGone()  # no page within +FCT: the DTE is gone (T.32 8.5.1.4)
        self.wants_page = False
        self._page_due = False
        return self.pages_in.popleft()

    async def feed_page(self, engine: SpandspT30) -> None:
        """With ECM the engine frames the page itself: the DTE's page, whole, to its
        encoder (the engine waits for it, ``Q``)."""
        buffer = await self.page_from_dte()
        dcs = self.dcs or cp.Params()
        engine.send(f"G {ENCODING_BY_DF.get(dcs.df, 1)} {cp.WIDTHS_PX[dcs.wd]}")
        while True:
            chunk = buffer.take(65536)
            if chunk:
                engine.send_hex("P", chunk)
                continue
            if buffer.ended:
                break
            buffer.changed.clear()
            if not buffer.data and not buffer.ended:
                await self._or_line_gone(buffer.changed.wait())
        engine.send("E")
        if buffer.ppm is not None:
            engine.send(f"M {buffer.ppm}")  # T.32's in-band post-page message
        buffer.sent = True  # the modem has the page: +FDT may end (OK, then +FET)
        self.wake()
        if buffer.ppm is None:
            await self.post_page_message_known(buffer, engine)

    def page_went_out(self, buffer) -> None:
        buffer.sent = True
        self.wake()

    async def post_page_message_known(self, buffer, engine: SpandspT30) -> None:
        """Before the engine sends its post-page message, the DTE's must be known: in band
        after the page data (T.32), or as +FET after it."""
        if buffer.ppm is not None:
            engine.send(f"M {buffer.ppm}")
            return
        if not await self._from_dte(lambda: bool(self.ppms_in)):
            raise LineGone()
        engine.send(f"M {self.ppms_in.popleft()}")

    async def _from_dte(self, ready) -> bool:
        return await self._or_line_gone(self.until(ready, DTE_TIMEOUT_S))

    async def _or_line_gone(self, awaitable):
        gone_wait = asyncio.ensure_future(self.call.over.wait())
        waited = asyncio.ensure_future(awaitable)
        try:
            done, _ = await asyncio.wait({gone_wait, waited},
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone_wait.cancel()
        if waited not in done:
            waited.cancel()
            raise LineGone()
        return waited.result()

    # -- receiving: pages to the DTE -----------------------------------------------------------
    def _new_rx_page(self) -> RxPage:
        page = self.rx_page = RxPage()
        self.pages_expected += 1
        self.wake()
        return page

    def page_coming_in(self) -> RxPage | None:
        """An image carrier the engine listens to: a page (not TCF) after our CFR/MCF."""
        if not self._expect_page:
            return None
        self._expect_page = False
        self.phase = "C"
        return self._new_rx_page()

    def page_data(self, page: RxPage, chunk: bytes) -> None:
        page.push(chunk)
        self.wake()

    def page_data_ended(self, page: RxPage) -> None:
        page.ended = True
        self.wake()
