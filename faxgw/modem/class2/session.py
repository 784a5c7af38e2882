"""The Class 2 / 2.0 driver: a ``FaxSession`` over a modem that runs T.30 itself.

The modem negotiates, trains, sends the post-page messages and hangs up; the driver sets
capabilities and session parameters, dials or answers, moves page data (DLE-stuffed, with
the start-character handshakes of each dialect), reads the negotiated parameters
(``+FCS:``), the page status (``+FPS:``) and the hang-up code (``+FHS:``), and builds the same
``SessionResult`` (with a protocol trace) and ``ReceivedPage``s as the Class 1 session.

The whole call runs in one AT channel transaction. ``Class2Base`` holds everything; the two
dialects (``class2_variants``) only name their commands and handshakes. Cancellation hangs
up (shielded, bounded) and propagates, never becoming an outcome.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import ClassVar

from faxgw.modem import quirks as quirk_hooks
from faxgw.modem.class2 import codes
from faxgw.modem.at.channel import AtChannel, Reply, Transaction
from faxgw.modem.pages import PageDecoder, PagePipeline, ReceivedPages
from faxgw.modem.class2.call import Call, CallEnded, start_char
from faxgw.modem.at.dle import DLE, DLE_ETX, stuff
from faxgw.modem.at.errors import ATChannelError, ATTimeout
from faxgw.modem.profiles import Profile
from faxgw.modem.at.recovery import leave_data_state
from faxgw.modem.at.results import Kind
from faxgw.modem.at.states import ANY_FINAL, Mode
from faxgw.outcome import Outcome
from faxgw.session import (CallOptions, Coding, PageConfirmedCallback, PageFormat, PageOutcome,
                           PageReceivedCallback, PageResult, PageSource, RemoteStation,
                           Resolution, SessionResult)
from faxgw.t30.frames import FCF
from faxgw.t30.negotiate import QualityPolicy, judge_page

DC1, DC2 = 0x11, 0x12
_REVERSED = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))
_VERDICT_STATUS = {FCF.MCF: 1, FCF.RTN: 2, FCF.RTP: 3}
PPM_MPS, PPM_EOP = 0, 2


@dataclass(frozen=True, slots=True)
class Class2Config:
    ident: str = ""  # our TSI/CSI (+FLI)
    fine: bool = True  # offer 7.7 lines/mm when receiving
    mr: bool = True  # offer and use 2-D coding
    mmr: bool = True  # ... and T.6 (MMR) under ECM, where the modem's +FCC=? offers both
    bit_rate_code: int = 5  # BR: 14400 bit/s and everything below
    ecm: bool = True  # ask for ECM (256-octet frames) where the modem's +FCC=? offers it
    quality: QualityPolicy = field(default_factory=QualityPolicy)
    dial_timeout_s: float = 120.0  # ATD to OK: ringing, answer, the far end's DIS
    answer_timeout_s: float = 90.0  # ATA to OK: CED, DIS, DCS, training
    phase_b_timeout_s: float = 90.0  # +FDT to CONNECT: training with fall-backs
    post_page_timeout_s: float = 60.0  # the post-page message, its repeats and response
    page_wait_s: float = 60.0  # +FDR to CONNECT: the next page's carrier
    start_char_timeout_s: float = 10.0  # Class 2: the modem's XON after +FDT's CONNECT
    data_idle_timeout_s: float = 30.0  # received page data: the longest gap
    max_page_tries: int = 3  # a page answered RTN/PIN this often: PAGE_REJECTED
    hang_up_timeout_s: float = 20.0
    callback_grace_s: float = 10.0


class Class2Base:
    """One Class 2-family modem's ``FaxSession``; subclasses set the dialect below."""

    FCLASS: ClassVar[str]
    CAPS: ClassVar[str]  # +FCC / +FDCC
    SESSION: ClassVar[str]  # +FIS / +FDIS
    NEGOTIATED: ClassVar[str]  # +FCS / +FDCS (report)
    LOCAL_ID: ClassVar[str]  # +FLI / +FLID
    BIT_ORDER: ClassVar[str]  # +FBO / +FBOR
    PAGE_STATUS: ClassVar[str]  # +FPS / +FPTS (report, and set by a receiving DTE)
    HANGUP: ClassVar[str]  # +FHS / +FHNG
    ABORT: ClassVar[str]  # +FKS / +FK
    REMOTE_CSI: ClassVar[str]  # +FCI / +FCSI
    REMOTE_TSI: ClassVar[str]  # +FTI / +FTSI
    IN_BAND_PPM: ClassVar[bool]  # T.32: <DLE><,>/<.> end the page with MPS/EOP
    XON_AFTER_FDT: ClassVar[bool]  # SP-2388: wait for the modem's XON before page data
    RX_REVERSED: ClassVar[bool]  # with bit order 0, received data arrives bit-reversed
    SETUP: ClassVar[tuple[str, ...]] = ()  # dialect-specific set-up commands

    def __init__(self, channel: AtChannel, profile: Profile, config: Class2Config,
                 decoder: PageDecoder) -> None:
        self.channel, self.profile, self.config, self.decoder = channel, profile, config, decoder
        self.ec = 0  # the EC value in force (0: no ECM)
        self.check_recipient = None  # the current send's RecipientCheck, if any
        self.df = 1 if config.mr else 0  # the DF value in force (0 MH, 1 MR, 3 MMR)

    # --- FaxSession -----------------------------------------------------------------------
    async def send(self, number: str, pages: PageSource,
                   on_page_confirmed: PageConfirmedCallback | None = None,
                   options: CallOptions | None = None) -> SessionResult:
        # The modem negotiates speed and ECM itself: of the call options only the
        # recipient check applies here, asked with the CSI the modem reports after dialling.
        self.check_recipient = options.check_recipient if options else None
        call = Call(self, "send", number, pages.page_count)
        call.result.pages = [PageResult(index=i) for i in range(pages.page_count)]
        pipeline = PagePipeline(pages)
        try:
            return await call.run(lambda tx: self._send(tx, call, number, pages, pipeline,
                                                        on_page_confirmed))
        finally:
            await pipeline.close()

    async def receive(self, on_page_received: PageReceivedCallback | None = None
                      ) -> SessionResult:
        call = Call(self, "receive", None, 0)
        received = ReceivedPages(self.decoder, on_page_received)
        received.warm_up()
        try:
            result = await call.run(lambda tx: self._receive(tx, call, received))
        finally:
            await received.close()
        result.pages_total = len(received.kept)
        return result

    # --- set-up -----------------------------------------------------------------------------
    async def _setup(self, tx: Transaction, call: "Call") -> None:
        cfg = self.config
        for command in (f"AT+FCLASS={self.FCLASS}", *self.SETUP, f"AT{self.BIT_ORDER}=0"):
            await call.command(tx, command)
        # ECM is the modem's to do (T.32 EC): asked for only where +FCC=? offers it, with
        # the larger frames (EC 2, as Class 1 uses) where offered; MMR needs ECM (T.30).
        self.ec, self.df = 0, 1 if cfg.mr else 0
        if cfg.ecm:
            offered = self.profile.capability_override(self.CAPS) \
                or (await call.command(tx, f"AT{self.CAPS}=?")).info
            self.ec = min(2, codes.range_max(offered, 5))
            if self.ec and cfg.mmr and codes.range_max(offered, 4) >= 3:
                self.df = 3
        caps = codes.session_params(cfg.fine, cfg.bit_rate_code, self.df, self.ec)
        for command in (f"AT{self.CAPS}={caps}", f'AT{self.LOCAL_ID}="{_printable(cfg.ident)}"',
                        "AT+FCR=1"):
            await call.command(tx, command)

    # --- sending ----------------------------------------------------------------------------
    async def _send(self, tx: Transaction, call: "Call", number: str, pages: PageSource,
                    pipeline: PagePipeline, on_confirmed) -> None:
        cfg = self.config
        await self._setup(tx, call)
        fine = pages.resolution is not Resolution.STANDARD
        await call.command(tx, f"AT{self.SESSION}="
                               f"{codes.session_params(fine, cfg.bit_rate_code, self.df, self.ec)}")
        # Encode page 1 for the likeliest format while we dial: it warms the codec (its
        # first use in a process is slow) and is often the format the modem reports.
        pipeline.prefetch(PageFormat(Coding.MR if cfg.mr else Coding.MH, pages.resolution,
                                     pages.width_px, 0, codes.BIT_RATES[cfg.bit_rate_code]), 0)
        call.phase = "A"
        reply = await call.command(tx, f"{self.profile.dial_command}{number}",
                                   timeout_s=cfg.dial_timeout_s, what="dial")
        self._dial_result(call, reply)
        call.phase = "B"
        refusal = self.check_recipient and self.check_recipient(
            RemoteStation(call.result.remote_ident))
        if refusal:
            raise CallEnded(Outcome.RECIPIENT_MISMATCH, refusal, "B")
        for index in range(pages.page_count):
            await self._send_page(tx, call, index, pages.page_count, pipeline, on_confirmed)
        raise CallEnded(Outcome.SUCCESS)

    def _dial_result(self, call: "Call", reply: Reply) -> None:
        call.result.remote_ident = codes.report(reply.info, self.REMOTE_CSI) \
            or call.result.remote_ident
        if reply.kind is Kind.OK:
            return
        outcome = {Kind.BUSY: Outcome.BUSY, Kind.NO_ANSWER: Outcome.NO_ANSWER,
                   Kind.NO_DIALTONE: Outcome.NO_DIALTONE,
                   Kind.ERROR: Outcome.MODEM_FAULT}.get(reply.kind, Outcome.NO_CARRIER)
        call.hang_up_code(reply)
        raise CallEnded(call.outcome_of_code(outcome), f"dial: {reply.result.text}", "A")

    async def _send_page(self, tx: Transaction, call: "Call", index: int, count: int,
                         pipeline: PagePipeline, on_confirmed) -> None:
        cfg = self.config
        page = call.result.pages[index]
        ppm = PPM_EOP if index == count - 1 else PPM_MPS
        while True:
            reply = await call.command(tx, "AT+FDT", timeout_s=cfg.phase_b_timeout_s)
            if reply.kind is not Kind.CONNECT:
                call.hang_up_code(reply)
                raise CallEnded(call.outcome_of_code(Outcome.PROTOCOL_ERROR),
                                 f"+FDT: {reply.result.text}")
            fmt = call.negotiated(reply, self.NEGOTIATED)
            call.phase = "C"
            if self.XON_AFTER_FDT:
                await start_char(tx, DC1, cfg.start_char_timeout_s)
            tx.channel.set_mode(Mode.DATA_TX)  # after the start character
            data = await pipeline.get(index, fmt)
            pipeline.prefetch(fmt, index + 1)
            page.attempts += 1
            page.bit_rate = fmt.bit_rate
            call.trace.add("cmd", "SendImage", f"page {index + 1}: {len(data)} bytes")
            data_at = call.trace.clock()
            reply = await self._page_data(tx, call, data, fmt, ppm)
            call.phase = "D"
            status = codes.first_number(codes.report(reply.info, self.PAGE_STATUS))
            call.hang_up_code(reply)
            if status in codes.PAGE_GOOD:
                retrain = status == 3
                page.outcome = PageOutcome.CONFIRMED_RETRAIN if retrain else PageOutcome.CONFIRMED
                page.retrains += int(retrain)
                page.sending_s = call.trace.clock() - data_at
                call.trace.add("note", f"{codes.PAGE_GOOD[status]}: page {index + 1} confirmed")
                call.callback(on_confirmed, page)
                if call.code is not None and (call.code != 0 or ppm != PPM_EOP):
                    raise CallEnded(call.outcome_of_code(Outcome.FAR_END_HUNG_UP), "")
                return
            if status in codes.PAGE_BAD:
                page.retrains += 1
                call.trace.add("note", f"{codes.PAGE_BAD[status]}: page {index + 1} not accepted")
                if page.attempts >= cfg.max_page_tries or call.code is not None:
                    page.outcome = PageOutcome.REJECTED
                    raise CallEnded(Outcome.PAGE_REJECTED,
                                     f"page {index + 1} refused {page.attempts} times")
                continue  # the modem retrains; the page goes again
            page.outcome = PageOutcome.UNCONFIRMED
            fallback = Outcome.EOP_UNANSWERED if ppm == PPM_EOP else Outcome.PROTOCOL_TIMEOUT
            raise CallEnded(call.outcome_of_code(fallback),
                             f"no page status after page {index + 1}: {reply.result.text}")

    async def _page_data(self, tx: Transaction, call: "Call", data: bytes, fmt: PageFormat,
                         ppm: int) -> Reply:
        cfg = self.config
        end = bytes((DLE, b",."[ppm // 2])) if self.IN_BAND_PPM else DLE_ETX
        if not await tx.write_data(stuff(data) + end):
            tx.end_data()
            reply = await tx.read_final("page data", accept=ANY_FINAL)
            call.hang_up_code(reply)
            raise CallEnded(call.outcome_of_code(Outcome.FAR_END_HUNG_UP),
                             f"the modem ended the page: {reply.result.text}")
        tx.end_data()
        line_s = len(data) * 8 * 1.2 / fmt.bit_rate + 10.0
        if self.IN_BAND_PPM:
            return await tx.read_final("page data", accept=ANY_FINAL,
                                       timeout_s=line_s + cfg.post_page_timeout_s)
        reply = await tx.read_final("page data", accept=ANY_FINAL, timeout_s=line_s)
        if reply.kind is not Kind.OK:
            return reply
        return await call.command(tx, f"AT+FET={ppm}", timeout_s=cfg.post_page_timeout_s)

    # --- receiving --------------------------------------------------------------------------
    async def _receive(self, tx: Transaction, call: "Call", received: ReceivedPages) -> None:
        cfg = self.config
        await self._setup(tx, call)
        call.phase = "A"
        reply = await call.command(tx, "ATA", timeout_s=cfg.answer_timeout_s, what="answer")
        call.result.remote_ident = codes.report(reply.info, self.REMOTE_TSI)
        if reply.kind is not Kind.OK:
            call.hang_up_code(reply)
            raise CallEnded(call.outcome_of_code(Outcome.NO_FAX_AT_FAR_END),
                             f"ATA: {reply.result.text}")
        fmt = call.negotiated(reply, self.NEGOTIATED)
        call.phase = "B"
        index, last_ppm, accepted = 0, None, False
        while True:
            reply = await call.command(tx, "AT+FDR", timeout_s=cfg.page_wait_s)
            if reply.kind is not Kind.CONNECT:
                call.hang_up_code(reply)
                if call.code == 0 and last_ppm == PPM_EOP and accepted:
                    raise CallEnded(Outcome.SUCCESS)
                raise CallEnded(call.outcome_of_code(Outcome.FAR_END_HUNG_UP),
                                 f"+FDR: {reply.result.text}")
            fmt = call.negotiated(reply, self.NEGOTIATED, fmt)
            call.phase = "C"
            tx.write_raw(bytes((DC2,)), "DC2 (ready for page data)")
            try:
                data = await tx.read_data(cfg.data_idle_timeout_s)
            except ATTimeout:
                raise CallEnded(Outcome.MODEM_FAULT, "page data stopped") from None
            if quirk_hooks.class2_rx_reversed(self.profile.quirks, self.RX_REVERSED):
                data = data.translate(_REVERSED)
            call.trace.add("rx", f"image data {len(data)} bytes")
            end = await tx.read_final("+FDR end", accept=ANY_FINAL)
            last_ppm = codes.first_number(codes.report(end.info, "+FET"))
            call.hang_up_code(end)
            if last_ppm is None:  # no post-page message: the call ended in the page
                call.trace.add("note", f"page {index + 1}: cut off, not kept")
                raise CallEnded(call.outcome_of_code(Outcome.FAR_END_HUNG_UP),
                                 f"page {index + 1} incomplete: {end.result.text}")
            call.phase = "D"
            accepted = await self._judge(tx, call, received, index, data, fmt)
            index += 1
            if call.code is not None:
                raise CallEnded(call.outcome_of_code(Outcome.FAR_END_HUNG_UP),
                                 f"after page {index}: {end.result.text}")

    async def _judge(self, tx: Transaction, call: "Call", received: ReceivedPages,
                     index: int, data: bytes, fmt: PageFormat) -> bool:
        received.start_decode(index, data, fmt)
        quality = await received.quality(index)
        verdict = judge_page(quality, self.config.quality)
        page = PageResult(index=index, attempts=1, bit_rate=fmt.bit_rate,
                          total_lines=quality.total_lines, bad_lines=quality.bad_lines)
        call.result.pages.append(page)
        call.trace.add("note", f"page {index + 1}: {quality.bad_lines} bad of "
                               f"{quality.total_lines} lines: {verdict.name}")
        if verdict is FCF.RTN:
            page.outcome, page.retrains = PageOutcome.REJECTED, 1
            received.discard(index)
        else:
            page.outcome = (PageOutcome.CONFIRMED if verdict is FCF.MCF
                            else PageOutcome.CONFIRMED_RETRAIN)
            kept = received.keep(index)
            if kept is not None:
                call.callback(received.on_page_received, kept)
        await call.command(tx, f"AT{self.PAGE_STATUS}={_VERDICT_STATUS[verdict]}")
        return verdict is not FCF.RTN

    # --- hang-up ----------------------------------------------------------------------------
    async def hang_up(self, ended_by_modem: bool) -> None:
        """Abort the session (unless the modem already ended it) and go on hook; bounded,
        with the channel's recovery ladder if the modem does not answer."""
        if not self.channel.is_open:
            return
        try:
            async with asyncio.timeout(self.config.hang_up_timeout_s):
                async with self.channel.transaction() as tx:
                    await leave_data_state(tx)
                    if not ended_by_modem:
                        await tx.command(f"AT{self.ABORT}", accept=ANY_FINAL)
                    await tx.command(self.profile.hangup_command, accept=ANY_FINAL)
        except (TimeoutError, ATChannelError):
            try:
                async with asyncio.timeout(self.config.hang_up_timeout_s):
                    await self.channel.recover()
            except (TimeoutError, ATChannelError):
                pass


def _printable(text: str) -> str:
    return "".join(c for c in text if 32 <= ord(c) < 127 and c != '"')[:20]
