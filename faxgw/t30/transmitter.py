"""The calling transmitter (T.30 Figure 5-2, transmitter side): wait for DIS, command
DCS and train (TCF), send each page with MPS/EOM/EOP and act on MCF/RTP/RTN/PIP/PIN.

Per call (``CallOptions``): the first training is at no more than the learned speed, ECM
can be off, and before any page the far end's CSI/NSF/DIS go to the recipient check,
which may end the call with DCN. Pages whose mode (resolution, width) differs from the
page before are a new document: EOM, then phase B again (T.30 5.3.6.1.7).
"""

from __future__ import annotations

from dataclasses import replace

from faxgw.outcome import Outcome
from faxgw.session import (CallOptions, PageFormat, PageOutcome, PageResult, Resolution,
                           WIDTH_A4_PX)
from faxgw.t30.dis import DcsSettings, DisCapabilities, page_modulation
from faxgw.t30.ecm_transmitter import EcmSending
from faxgw.t30.engine import Engine
from faxgw.t30.events import (Abort, Action, FramesSent, FrameReceived, ImageSent, LinkFailed,
                              LinkFailure,
                              Note, PageConfirmed, PreparePages, ReceiveFrame, SendImage,
                              SendPage,
                              SendSilence, SilenceDone, Start)
from faxgw.t30.frames import FCF, Frame, decode_ident, encode_ident
from faxgw.t30.link import Modulation
from faxgw.t30.negotiate import (LocalCapabilities, choose_dcs, common_speeds, page_format,
                                 speeds_up_to, tcf_data)
from faxgw.t30.recipient import refusal
from faxgw.t30.states import State
from faxgw.t30.timers import (MAX_COMMAND_TRIES, MAX_CRP_REPEATS, MAX_DIS_REPEATS,
                              MAX_NOISE_BEFORE_DIS,
                              MAX_PAGE_TRIES, MAX_TRAINING_TRIES_PER_SPEED,
                              SILENCE_BEFORE_MODULATION_MS, Timers)

S = State


class Transmitter(EcmSending, Engine):
    """Sends ``page_count`` pages; the page data come from the runner (``SendPage``)."""

    X_BIT = True  # we are the station that received DIS (T.30 clause 5.3.6.1)

    def __init__(self, local: LocalCapabilities, page_count: int,
                 resolution: Resolution = Resolution.FINE, width_px: int = WIDTH_A4_PX,
                 timers: Timers = Timers(), options: CallOptions = CallOptions(),
                 page_modes: list[tuple[Resolution, int]] | None = None) -> None:
        super().__init__(local if options.ecm else replace(local, ecm=False))
        if page_count < 1:
            raise ValueError("a fax has at least one page")
        if page_modes is not None and len(page_modes) != page_count:
            raise ValueError("one (resolution, width) per page")
        self.options = options
        # Each page's (resolution, width); consecutive pages alike are one document.
        self.page_modes = page_modes or [(resolution, width_px)] * page_count
        self.wanted_resolution, self.wanted_width = self.page_modes[0]
        self.recipient_checked = False
        # The page whose data and post-page command went out, its answer not come yet.
        self.unanswered: int | None = None
        self.t1_s, self.t4_s, self.t5_s = timers.t1_s, timers.t4_s, timers.t5_s
        self.report.pages = [PageResult(index=i) for i in range(page_count)]
        self.t1_deadline = 0.0
        self.remote: DisCapabilities | None = None
        self.speeds: tuple[Modulation, ...] = ()
        self.speed_index = 0
        self.tries_at_speed = 0
        self.command_tries = 0  # sends of the current command without a valid response
        self.dis_repeats = 0
        self.noise_before_dis = 0
        self.crp_repeats = 0
        self.page = 0
        self.ppm = FCF.MPS
        self.dcs: DcsSettings | None = None
        self.fmt: PageFormat | None = None
        self._ecm_reset()

    # --- phase B: DIS, DCS, TCF, CFR/FTT ------------------------------------------------
    def on_start(self, event: Start) -> list[Action]:
        self.t1_deadline = event.at + self.t1_s
        return self.listen(S.T_WAIT_DIS, event.at, self.t1_s)

    def on_wait_dis_frame(self, event: FrameReceived) -> list[Action]:
        frame = self.classify(event)
        if isinstance(frame, Frame) and frame.fcf is FCF.DIS:
            return self._got_dis(frame, event.at)
        if isinstance(frame, Frame) and frame.fcf is FCF.CSI:
            self.report.remote_ident = decode_ident(frame.fif)
        if isinstance(frame, Frame) and frame.fcf is FCF.NSF:
            self.report.remote_nsf = bytes(frame.fif)
        if isinstance(frame, Frame) and frame.fcf is FCF.DCN:
            return self._finish(Outcome.FAR_END_HUNG_UP, "DCN instead of DIS")
        why = frame if isinstance(frame, str) else f"{frame.name} while waiting for DIS"
        return self._wait_dis_more(event.at, why)

    def on_wait_dis_failed(self, event: LinkFailed) -> list[Action]:
        if event.failure is not LinkFailure.TIMEOUT:
            # Carriers that are not V.21 flags: a data modem or a voice. Bounded, so a
            # modem answering +FCERROR at once cannot spin us until T1.
            self.noise_before_dis += 1
            if self.noise_before_dis > MAX_NOISE_BEFORE_DIS:
                return self._finish(Outcome.NO_FAX_AT_FAR_END,
                                    f"only {event.failure.value} heard, never DIS")
        return self._wait_dis_more(event.at, event.failure.value)

    def _wait_dis_more(self, at: float, why: str) -> list[Action]:
        # Only T1 bounds this wait (T.30 5.4.3): NSF, CSI, noise and echo may precede DIS.
        remaining = self.t1_deadline - at
        if remaining <= 0.05:
            return self._finish(Outcome.NO_FAX_AT_FAR_END, "T1 expired: no DIS heard")
        self.listen(S.T_WAIT_DIS, at, remaining)
        silence = SILENCE_BEFORE_MODULATION_MS if why == LinkFailure.WRONG_CARRIER.value else 0
        return [Note(f"{why}: waiting for DIS ({remaining:.1f} s of T1 left)"),
                ReceiveFrame(remaining, silence)]

    def _got_dis(self, frame: Frame, at: float) -> list[Action]:
        try:
            remote = DisCapabilities.decode(frame.fif)
        except ValueError as exc:
            return self._wait_dis_more(at, str(exc))
        self.remote = self.report.remote_dis = remote
        self.speeds = speeds_up_to(common_speeds(remote, self.local), self.options.max_bit_rate)
        self.speed_index = self.tries_at_speed = 0
        notes = [Note(f"DIS: {', '.join(remote.named)}; speeds "
                      f"{', '.join(str(m.bit_rate) for m in remote.modulations)}")]
        if not remote.ready_to_receive or not self.speeds:
            return notes + self._disconnect(Outcome.INCOMPATIBLE,
                                            "far end cannot receive at any speed we have")
        refusal = self._check_recipient(remote)
        if refusal is not None:
            return notes + self._disconnect(Outcome.RECIPIENT_MISMATCH, refusal)
        return notes + self._send_dcs(at)

    def _check_recipient(self, remote: DisCapabilities) -> str | None:
        """The sender's check of who answered, once per call, before any page."""
        check = self.options.check_recipient
        if check is None or self.recipient_checked:
            return None
        self.recipient_checked = True
        return refusal(check, self.report.remote_ident, self.report.remote_nsf, remote)

    def _send_dcs(self, at: float, new_try: bool = True) -> list[Action]:
        """TSI + DCS, then 75 ms silence and TCF (T.30 clause 5.3.6.2)."""
        assert self.remote is not None
        modulation = self.speeds[self.speed_index]
        if new_try:
            self.tries_at_speed += 1
            self.command_tries = 0
        self.command_tries += 1
        self.dcs = choose_dcs(self.remote, self.local, modulation, self.wanted_resolution,
                              self.wanted_width)
        self.fmt = page_format(self.dcs)
        self.report.trainings += 1
        tsi = self.frame(FCF.TSI, encode_ident(self.local.ident), final=False)
        dcs = self.frame(FCF.DCS, self.dcs.encode())
        note = (f"DCS: {modulation.family} {modulation.bit_rate}, {self.dcs.resolution.value}, "
                f"{self.dcs.coding.value}, scan {self.dcs.min_scan_ms} ms "
                f"(try {self.tries_at_speed} at this speed)")
        return [PreparePages(self.fmt), *self.send(S.T_SEND_DCS, tsi, dcs, note=note)]

    def on_dcs_sent(self, event: FramesSent) -> list[Action]:
        self.goto(S.T_SILENCE_BEFORE_TCF)
        return [SendSilence(SILENCE_BEFORE_MODULATION_MS)]

    def on_tcf_silence(self, event: SilenceDone) -> list[Action]:
        assert self.dcs is not None
        self.goto(S.T_SEND_TCF)
        return [SendImage(self.dcs.modulation, tcf_data(self.dcs.modulation))]

    def on_tcf_sent(self, event: ImageSent) -> list[Action]:
        return self.listen(S.T_WAIT_CFR, event.at, self.t4_s)

    def on_wait_cfr_frame(self, event: FrameReceived) -> list[Action]:
        frame = self.classify(event)
        if isinstance(frame, str):
            return self._ignored(event, frame, self._no_training_response)
        if frame.fcf is FCF.CFR:
            self.report.dcs = self.dcs
            self.goto(S.T_SILENCE_BEFORE_PAGE)
            return [Note("CFR: training accepted"), SendSilence(SILENCE_BEFORE_MODULATION_MS)]
        if frame.fcf is FCF.FTT:
            speed = f"{self.dcs.modulation.family} {self.dcs.modulation.bit_rate}"
            failed = self.report.failed_trainings
            failed[speed] = failed.get(speed, 0) + 1
            return self._fallback(event.at, "FTT")
        if frame.fcf is FCF.DIS:
            return self._dis_again(frame, event.at)
        return self._common_response(frame, event, self._no_training_response,
                                     lambda at: self._send_dcs(at, new_try=False))

    def on_wait_cfr_failed(self, event: LinkFailed) -> list[Action]:
        return self._link_failed_waiting(event, self._no_training_response)

    def _no_training_response(self, at: float) -> list[Action]:
        if self.command_tries >= MAX_COMMAND_TRIES:
            return self._disconnect(Outcome.PROTOCOL_TIMEOUT,
                                    f"no answer to DCS/TCF after {self.command_tries} tries")
        return [Note("no response to DCS/TCF: repeating"), *self._send_dcs(at, new_try=False)]

    def _dis_again(self, frame: Frame, at: float) -> list[Action]:
        # The far end did not hear our DCS and is still sending DIS (T.30 clause 5.3.6.2):
        # send DCS again, a bounded number of times; it is not a training failure.
        self.dis_repeats += 1
        if self.dis_repeats > MAX_DIS_REPEATS:
            return self._disconnect(Outcome.PROTOCOL_ERROR,
                                    "far end kept repeating DIS: it never heard our DCS")
        return [Note(f"DIS repeated by far end ({self.dis_repeats}): resending DCS"),
                *self._send_dcs(at, new_try=False)]

    def _fallback(self, at: float, why: str) -> list[Action]:
        """Train again: the same speed up to three times, then the next lower one."""
        if self.tries_at_speed >= MAX_TRAINING_TRIES_PER_SPEED:
            self.speed_index += 1
            self.tries_at_speed = 0
        if self.speed_index >= len(self.speeds):
            return self._disconnect(Outcome.TRAINING_FAILED, "training failed at every speed")
        modulation = self.speeds[self.speed_index]
        return [Note(f"{why}: training again at {modulation.family} {modulation.bit_rate}"),
                *self._send_dcs(at)]

    # --- phase C: the page ---------------------------------------------------------------
    def on_page_silence(self, event: SilenceDone) -> list[Action]:
        assert self.dcs is not None and self.fmt is not None
        if self.dcs.ecm:
            return self._ecm_page_start()
        self.goto(S.T_SEND_PAGE)
        page = self.report.pages[self.page]
        page.attempts += 1
        page.bit_rate = self.dcs.modulation.bit_rate
        return [SendPage(page_modulation(self.dcs.modulation), self.page, self.fmt)]

    def on_abort(self, event: Abort) -> list[Action]:
        # The page could not be made: tell the receiver we stop (DCN), then hang up.
        return self._disconnect(event.outcome, event.detail)

    def on_page_sent(self, event: ImageSent) -> list[Action]:
        self.goto(S.T_SILENCE_BEFORE_PPM)
        return [SendSilence(SILENCE_BEFORE_MODULATION_MS)]

    # --- phase D: MPS/EOP and the receiver's verdict -------------------------------------
    def on_ppm_silence(self, event: SilenceDone) -> list[Action]:
        self.ppm = self.post_page_command()
        self.command_tries = 0
        return self._send_ppm()

    def post_page_command(self) -> FCF:
        """EOP after the last page; EOM when the next page needs another mode (a new
        document: resolution or width changes); MPS otherwise."""
        if self.page == len(self.report.pages) - 1:
            return FCF.EOP
        return FCF.EOM if self._mode(self.page + 1) != self._mode(self.page) else FCF.MPS

    def _mode(self, index: int) -> tuple[Resolution, int]:
        # A driver may add pages as it goes (hw-sim's Class 2 firmware does): those pages
        # keep the last mode given.
        return self.page_modes[min(index, len(self.page_modes) - 1)]

    def _next_document(self, at: float) -> list[Action]:
        """After MCF to EOM: phase B again, the receiver sends DIS, we command the next
        document's mode with a new DCS (T.30 5.3.6.1.7)."""
        self.wanted_resolution, self.wanted_width = self._mode(self.page)
        self.t1_deadline = at + self.t1_s
        self.noise_before_dis = self.dis_repeats = 0
        return [Note(f"EOM: page {self.page + 1} starts a new document; waiting for DIS"),
                *self.listen(S.T_WAIT_DIS, at, self.t1_s)]

    def _send_ppm(self) -> list[Action]:
        self.command_tries += 1
        return self.send(S.T_SEND_PPM, self.frame(self.ppm))

    def on_ppm_sent(self, event: FramesSent) -> list[Action]:
        self.unanswered = self.page
        return self.listen(S.T_WAIT_PPM_RESPONSE, event.at, self.t4_s)

    def on_ppm_response_frame(self, event: FrameReceived) -> list[Action]:
        frame = self.classify(event)
        if isinstance(frame, str):
            return self._ignored(event, frame, self._no_ppm_response)
        if frame.fcf in (FCF.MCF, FCF.PIP):  # PIP: page good, operator wanted; we have none
            return self._page_accepted(PageOutcome.CONFIRMED, frame.name, event.at)
        if frame.fcf is FCF.RTP:
            return self._page_accepted(PageOutcome.CONFIRMED_RETRAIN, "RTP", event.at)
        if frame.fcf in (FCF.RTN, FCF.PIN):
            return self._page_refused(frame.name, event.at)
        return self._common_response(frame, event, self._no_ppm_response,
                                     lambda at: self._send_ppm())

    def on_ppm_response_failed(self, event: LinkFailed) -> list[Action]:
        return self._link_failed_waiting(event, self._no_ppm_response)

    def _no_ppm_response(self, at: float) -> list[Action]:
        if self.command_tries < MAX_COMMAND_TRIES:
            return [Note(f"no response to {self.ppm.name}: repeating"), *self._send_ppm()]
        self.report.pages[self.page].outcome = PageOutcome.UNCONFIRMED
        if self.ppm is FCF.EOP:
            return self._disconnect(Outcome.EOP_UNANSWERED, "EOP sent 3 times, no answer")
        return self._disconnect(Outcome.PROTOCOL_TIMEOUT,
                                f"{self.ppm.name} sent {self.command_tries} times, no answer")

    def _page_accepted(self, outcome: PageOutcome, why: str, at: float) -> list[Action]:
        page = self.report.pages[self.page]
        page.outcome = outcome
        self.unanswered = None
        actions: list[Action] = [Note(f"{why}: page {self.page + 1} confirmed"),
                                 PageConfirmed(self.page)]
        if self.ppm is FCF.EOP:
            return actions + self._disconnect(Outcome.SUCCESS)
        self.page += 1
        if self.ppm is FCF.EOM:
            if outcome is PageOutcome.CONFIRMED_RETRAIN:
                page.retrains += 1
            return actions + self._next_document(at)
        if outcome is PageOutcome.CONFIRMED_RETRAIN:  # RTP: retrain before the next page
            page.retrains += 1
            self.tries_at_speed = 0
            return actions + self._send_dcs(at)
        self.goto(S.T_SILENCE_BEFORE_PAGE)
        return actions + [SendSilence(SILENCE_BEFORE_MODULATION_MS)]

    def _page_refused(self, why: str, at: float) -> list[Action]:
        # RTN: the page was not accepted; retrain and send it again (T.30 5.3.6.1.6).
        # A lower speed is likelier to carry it: fall back one step where there is one.
        page = self.report.pages[self.page]
        page.retrains += 1
        self.unanswered = None
        if page.attempts >= MAX_PAGE_TRIES:
            page.outcome = PageOutcome.REJECTED
            return self._disconnect(Outcome.PAGE_REJECTED,
                                    f"page {self.page + 1} refused {page.attempts} times")
        if self.speed_index + 1 < len(self.speeds):
            self.speed_index += 1
        self.tries_at_speed = 0
        return [Note(f"{why}: page {self.page + 1} not accepted, retraining to resend"),
                *self._send_dcs(at)]

    # --- shared by both waits for a response ---------------------------------------------
    def _ignored(self, event: FrameReceived, why: str, no_response) -> list[Action]:
        if why == "bad" and event.frame.is_final:
            # A garbled response: the far end has finished talking; repeat our command
            # now rather than wait out T4 (T.30 5.4.2).
            return [Note("response with FCS error"), *no_response(event.at)]
        return self.relisten(event.at, why) or no_response(event.at)

    def _common_response(self, frame: Frame, event: FrameReceived, no_response,
                         repeat) -> list[Action]:
        if frame.fcf is FCF.CRP:
            self.crp_repeats += 1
            if self.crp_repeats > MAX_CRP_REPEATS:
                return self._disconnect(Outcome.PROTOCOL_ERROR, "far end keeps sending CRP")
            return [Note("CRP: repeating our last command"), *repeat(event.at)]
        if frame.fcf is FCF.DCN:
            return self._finish(self.line_dropped_outcome(), "far end sent DCN")
        return self.relisten(event.at, f"unexpected {frame.name}") or no_response(event.at)

    def _link_failed_waiting(self, event: LinkFailed, no_response) -> list[Action]:
        if event.failure is LinkFailure.TIMEOUT:
            return no_response(event.at)
        wrong = event.failure is LinkFailure.WRONG_CARRIER
        return self.relisten(event.at, event.failure.value, wrong) or no_response(event.at)

    # --- phase E -------------------------------------------------------------------------
    def _disconnect(self, outcome: Outcome, detail: str = "") -> list[Action]:
        self.report.outcome, self.report.detail = outcome, detail
        return self.send(S.T_SEND_DCN, self.frame(FCF.DCN),
                         note=f"DCN: {outcome.value}" + (f" ({detail})" if detail else ""))

    def _finish(self, outcome: Outcome, detail: str = "") -> list[Action]:
        # A page sent, its post-page command too, whose answer never came (the line
        # dropped, the far end hung up or went silent) may be on paper: unconfirmed.
        if self.unanswered is not None:
            page = self.report.pages[self.unanswered]
            if page.outcome is PageOutcome.NOT_SENT:
                page.outcome = PageOutcome.UNCONFIRMED
        return super()._finish(outcome, detail)

    def on_dcn_sent(self, event: FramesSent) -> list[Action]:
        assert self.report.outcome is not None
        return self._finish(self.report.outcome)

    def settled_outcome(self) -> Outcome | None:
        # Set by ``_disconnect`` before DCN goes out (success after MCF to EOP included).
        return self.report.outcome

    def line_dropped_outcome(self) -> Outcome:
        waiting_eop = self.ppm is FCF.EOP and (
            self.state is S.T_WAIT_PPM_RESPONSE
            or (self.state is S.T_WAIT_PPS_RESPONSE and self.ecm_asked is FCF.PPS))
        return Outcome.EOP_UNANSWERED if waiting_eop else Outcome.FAR_END_HUNG_UP

    HANDLERS = {
        (S.IDLE, Start): "on_start",
        (S.T_WAIT_DIS, FrameReceived): "on_wait_dis_frame",
        (S.T_WAIT_DIS, LinkFailed): "on_wait_dis_failed",
        (S.T_SEND_DCS, FramesSent): "on_dcs_sent",
        (S.T_SILENCE_BEFORE_TCF, SilenceDone): "on_tcf_silence",
        (S.T_SEND_TCF, ImageSent): "on_tcf_sent",
        (S.T_WAIT_CFR, FrameReceived): "on_wait_cfr_frame",
        (S.T_WAIT_CFR, LinkFailed): "on_wait_cfr_failed",
        (S.T_SILENCE_BEFORE_PAGE, SilenceDone): "on_page_silence",
        (S.T_SEND_PAGE, ImageSent): "on_page_sent",
        (S.T_SEND_PAGE, Abort): "on_abort",
        (S.T_SILENCE_BEFORE_PPM, SilenceDone): "on_ppm_silence",
        (S.T_SEND_PPM, FramesSent): "on_ppm_sent",
        (S.T_WAIT_PPM_RESPONSE, FrameReceived): "on_ppm_response_frame",
        (S.T_WAIT_PPM_RESPONSE, LinkFailed): "on_ppm_response_failed",
        (S.T_SEND_DCN, FramesSent): "on_dcn_sent",
        **EcmSending.ECM_HANDLERS,
    }
