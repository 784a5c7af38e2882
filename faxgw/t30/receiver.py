"""The answering receiver (T.30 Figure 5-2, receiver side): send CSI + DIS, take DCS and
judge TCF (CFR/FTT), receive pages and answer each post-page message with MCF, RTP or
RTN from the decoded page's quality.
"""

from __future__ import annotations

from faxgw.outcome import Outcome
from faxgw.session import PageFormat, PageOutcome, PageResult
from faxgw.t30.dis import DcsSettings, page_modulation
from faxgw.t30.ecm_receiver import ECM_COMMANDS, EcmReceiving
from faxgw.t30.engine import Engine
from faxgw.t30.events import (Action, AwaitPageQuality, DecodePage, DiscardPage, FramesSent,
                              FrameReceived, ImageReceived, KeepPage, LinkFailed,
                              LinkFailure, Note, PageQualityKnown, ReceiveImage,
                              SendFrames, Start)
from faxgw.t30.frames import FCF, POST_PAGE_COMMANDS, Frame, decode_ident, encode_ident
from faxgw.t30.negotiate import (LocalCapabilities, QualityPolicy, dcs_acceptable,
                                 judge_page, judge_tcf, page_format)
from faxgw.t30.states import State
from faxgw.t30.timers import MAX_COMMAND_TRIES, MAX_CRP_REPEATS, MAX_RELISTENS, Timers

S = State
_MPS = (FCF.MPS, FCF.PRI_MPS)
_EOP = (FCF.EOP, FCF.PRI_EOP)
# Where resending our last frames leads: the state that sent them in the first place.
_RESEND_STATE = {FCF.DIS: S.R_SEND_DIS, FCF.CFR: S.R_SEND_CFR, FCF.FTT: S.R_SEND_FTT}
_IGNORED_IN_COMMANDS = (FCF.NSS, FCF.NSF, FCF.SUB, FCF.SID, FCF.DIS, FCF.DTC, FCF.CSI)


class Receiver(EcmReceiving, Engine):
    """Receives a document; ``KeepPage``/``DiscardPage`` tell the runner which to store."""

    X_BIT = False  # we sent DIS; the caller is the station that received it

    def __init__(self, local: LocalCapabilities, policy: QualityPolicy | None = None,
                 timers: Timers = Timers()) -> None:
        super().__init__(local)
        self.policy = policy or QualityPolicy()
        self.t1_s, self.t2_s, self.t4_s = timers.t1_s, timers.t2_s, timers.t4_s
        self.t1_deadline = 0.0
        self.dcs: DcsSettings | None = None
        self.fmt: PageFormat | None = None
        self.pending: int | None = None  # page received, not judged yet
        self.arrivals = 0  # page data received so far (kept or not)
        self.ppm = FCF.MPS  # the post-page command being answered
        self.last_response: bytes | None = None  # our answer to the last PPM
        self.document_complete = False  # EOP answered with MCF/RTP
        self.command_waits = 0  # consecutive T2 waits without a command, mid-document
        self.crp_repeats = 0
        self.crp_return = S.R_WAIT_COMMAND
        self.page_wait_started = 0.0
        self._ecm_reset()

    # --- phase B -------------------------------------------------------------------------
    def on_start(self, event: Start) -> list[Action]:
        self.t1_deadline = event.at + self.t1_s
        return self._send_dis()

    def _send_dis(self, note: str = "") -> list[Action]:
        csi = self.frame(FCF.CSI, encode_ident(self.local.ident), final=False)
        dis = self.frame(FCF.DIS, self.local.dis().encode())
        return self.send(S.R_SEND_DIS, csi, dis, note=note)

    def on_dis_sent(self, event: FramesSent) -> list[Action]:
        return self.listen(S.R_WAIT_COMMAND, event.at, self.t4_s)

    def on_command_frame(self, event: FrameReceived) -> list[Action]:
        frame = self.classify(event)
        if frame == "bad" and event.frame.is_final:
            return self._send_crp(event.at)
        if isinstance(frame, str):
            return self.relisten(event.at, frame) or self._no_command(event.at)
        self.command_waits = 0
        if frame.fcf is FCF.TSI:
            self.report.remote_ident = decode_ident(frame.fif)
        if frame.fcf in (FCF.TSI, *_IGNORED_IN_COMMANDS) or frame.fcf is None:
            return self.relisten(event.at, f"{frame.name} noted") or self._no_command(event.at)
        return self._dispatch_command(frame, event.at)

    def _dispatch_command(self, frame: Frame, at: float) -> list[Action]:
        if frame.fcf is FCF.DCS:
            return self._dcs(frame, at)
        if frame.fcf in ECM_COMMANDS and self.dcs is not None and self.dcs.ecm:
            return self._ecm_command(frame, at)
        if frame.fcf in POST_PAGE_COMMANDS:
            return self._post_page_command(frame.fcf)
        if frame.fcf is FCF.DCN:
            return self._finish(self._end_outcome(), "far end sent DCN")
        if frame.fcf is FCF.CRP:
            return self._repeat_last(at)
        return self.relisten(at, f"unexpected {frame.name}") or self._no_command(at)

    def on_command_failed(self, event: LinkFailed) -> list[Action]:
        if event.failure is LinkFailure.TIMEOUT:
            return self._no_command(event.at)
        wrong = event.failure is LinkFailure.WRONG_CARRIER
        return self.relisten(event.at, event.failure.value, wrong) or self._no_command(event.at)

    def _no_command(self, at: float) -> list[Action]:
        if self.document_complete:  # EOP was answered; a caller that leaves without DCN
            return self._finish(Outcome.SUCCESS, "no DCN after the last page")
        if self.dcs is None:  # still in phase B: repeat DIS until T1 (T.30 5.4.3)
            if at >= self.t1_deadline:
                return self._finish(Outcome.NO_FAX_AT_FAR_END, "T1 expired: no DCS")
            return self._send_dis(note="no command: repeating DIS")
        self.command_waits += 1
        if self.command_waits >= MAX_COMMAND_TRIES:
            return self._finish(Outcome.PROTOCOL_TIMEOUT, "the sender stopped sending")
        return [Note("no command yet: listening again"),
                *self.listen(S.R_WAIT_COMMAND, at, self.t2_s)]

    def _dcs(self, frame: Frame, at: float) -> list[Action]:
        try:
            dcs = DcsSettings.decode(frame.fif)
        except ValueError as exc:  # e.g. V.33 rate bits: make the sender fall back
            return self.send(S.R_SEND_FTT, self.frame(FCF.FTT), note=f"DCS refused: {exc}")
        if not dcs_acceptable(dcs, self.local):
            return self._finish(Outcome.INCOMPATIBLE, f"DCS asks for what we cannot do: {dcs}")
        self.dcs, self.fmt = dcs, page_format(dcs)
        self.report.trainings += 1
        self.goto(S.R_RECEIVE_TCF)
        return [Note(f"DCS: {dcs.modulation.family} {dcs.modulation.bit_rate}, "
                     f"{dcs.resolution.value}, {dcs.coding.value}, scan {dcs.min_scan_ms} ms"),
                ReceiveImage(dcs.modulation, self.t4_s, "tcf")]

    def on_tcf(self, event: ImageReceived) -> list[Action]:
        assert self.dcs is not None
        good, run_s = judge_tcf(event.data, self.dcs.modulation)
        verdict = f"TCF: longest zero run {run_s:.2f} s of {len(event.data)} bytes"
        if good:
            self.report.dcs = self.dcs
            return self.send(S.R_SEND_CFR, self.frame(FCF.CFR), note=verdict + ": CFR")
        return self.send(S.R_SEND_FTT, self.frame(FCF.FTT), note=verdict + ": FTT")

    def on_tcf_failed(self, event: LinkFailed) -> list[Action]:
        return self.send(S.R_SEND_FTT, self.frame(FCF.FTT),
                         note=f"TCF not received ({event.failure.value}): FTT")

    def on_cfr_sent(self, event: FramesSent) -> list[Action]:
        if self.dcs is not None and self.dcs.ecm:
            return self._receive_ecm_frames(event.at)
        return self._receive_page(event.at)

    def on_ftt_sent(self, event: FramesSent) -> list[Action]:
        return self.listen(S.R_WAIT_COMMAND, event.at, self.t2_s)

    # --- phase C -------------------------------------------------------------------------
    def _receive_page(self, at: float) -> list[Action]:
        assert self.dcs is not None
        self.goto(S.R_RECEIVE_PAGE)
        self.page_wait_started, self.deadline, self.relistens = at, at + self.t2_s, 0
        return [ReceiveImage(page_modulation(self.dcs.modulation), self.t2_s, "page")]

    def on_page(self, event: ImageReceived) -> list[Action]:
        assert self.fmt is not None
        index = self.arrivals
        self.arrivals += 1
        self.pending = index
        self.report.pages.append(PageResult(index=index, attempts=1,
                                            bit_rate=self.fmt.bit_rate))
        return [DecodePage(index, event.data, self.fmt),
                *self.listen(S.R_WAIT_PPM, event.at, self.t2_s)]

    def on_page_failed(self, event: LinkFailed) -> list[Action]:
        # A V.21 carrier heard soon after our CFR/MCF is our own frame's echo (the sender
        # cannot have timed out yet: its T4 runs from the end of its command): listen
        # for the page again (bounded). Later, it is the sender repeating a command
        # because it missed our answer: listen for that command.
        assert self.dcs is not None
        early = event.at - self.page_wait_started < self.t4_s / 2
        if event.failure is LinkFailure.WRONG_CARRIER and early:
            self.relistens += 1
            remaining = self.deadline - event.at
            if self.relistens <= MAX_RELISTENS and remaining > 0.05:
                self.goto(S.R_RECEIVE_PAGE)
                return [Note("V.21 right after our answer (echo): listening for the page"),
                        ReceiveImage(page_modulation(self.dcs.modulation), remaining, "page")]
        return [Note(f"no page carrier ({event.failure.value}): listening for a command"),
                *self.listen(S.R_WAIT_COMMAND, event.at, self.t2_s)]

    # --- phase D -------------------------------------------------------------------------
    def _post_page_command(self, ppm: FCF) -> list[Action]:
        if self.pending is not None:
            self.ppm = ppm
            self.goto(S.R_AWAIT_QUALITY)
            return [AwaitPageQuality(self.pending)]
        if self.last_response is not None and ppm == self.ppm:
            # The same PPM again: our answer was lost on the line. Answer it again.
            return self._answer(self.last_response, "PPM repeated: repeating our answer")
        self.ppm = ppm  # a PPM with no page before it: the page never arrived
        return self._answer(self.frame(FCF.RTN), f"{ppm.name} without a page: RTN")

    def on_quality(self, event: PageQualityKnown) -> list[Action]:
        if self.dcs is not None and self.dcs.ecm:
            return self.on_ecm_quality(event)
        verdict = judge_page(event.quality, self.policy)
        page = self.report.pages[event.index]
        page.total_lines, page.bad_lines = event.quality.total_lines, event.quality.bad_lines
        self.pending = None
        keep = verdict is not FCF.RTN
        page.outcome = {FCF.MCF: PageOutcome.CONFIRMED, FCF.RTP: PageOutcome.CONFIRMED_RETRAIN,
                        FCF.RTN: PageOutcome.REJECTED}[verdict]
        if verdict is not FCF.MCF:
            page.retrains += 1
        note = (f"page {event.index + 1}: {event.quality.bad_lines} bad of "
                f"{event.quality.total_lines} lines: {verdict.name}")
        marker = KeepPage(event.index) if keep else DiscardPage(event.index)
        return [marker, *self._answer(self.frame(verdict), note)]

    def _answer(self, response: bytes, note: str) -> list[Action]:
        self.last_response = response
        return self.send(self._answer_state(), response, note=note)

    def on_response_sent(self, event: FramesSent) -> list[Action]:
        verdict = self.last_response[2] & 0xFE if self.last_response else FCF.RTN
        accepted = verdict in (FCF.MCF, FCF.RTP)
        if self.ppm in _EOP and accepted:
            self.document_complete = True
        if self.ppm in _MPS and verdict == FCF.MCF:
            return self._receive_page(event.at)
        if self.ppm not in (*_MPS, *_EOP) and accepted:  # EOM: back to phase B
            self.dcs = None
            return self._send_dis(note="EOM: a new document follows")
        # RTP/RTN: the sender retrains (DCS); after EOP: it disconnects (DCN)
        return self.listen(S.R_WAIT_COMMAND, event.at, self.t2_s)

    # --- CRP both ways -------------------------------------------------------------------
    def _send_crp(self, at: float) -> list[Action]:
        # A command arrived with a bad FCS: ask for it again (T.30 5.3.6.1.7, CRP).
        # last_sent is left alone: a CRP from the far end repeats our real last answer.
        self.crp_repeats += 1
        if self.crp_repeats > MAX_CRP_REPEATS:
            return self._finish(Outcome.PROTOCOL_ERROR, "commands keep arriving garbled")
        self.crp_return = self.state
        self.goto(S.R_SEND_CRP)
        return [Note("command with FCS error: CRP"), SendFrames((self.frame(FCF.CRP),))]

    def on_crp_sent(self, event: FramesSent) -> list[Action]:
        return self.listen(self.crp_return, event.at, self.t4_s)

    def _repeat_last(self, at: float) -> list[Action]:
        """CRP from the sender: repeat our last frames, resuming where they led."""
        self.crp_repeats += 1
        if self.crp_repeats > MAX_CRP_REPEATS or not self.last_sent:
            return self._finish(Outcome.PROTOCOL_ERROR, "far end keeps sending CRP")
        state = _RESEND_STATE.get(self.last_sent[-1][2] & 0xFE, self._answer_state())
        return self.send(state, *self.last_sent, note="CRP: repeating our last response")

    # --- the end -------------------------------------------------------------------------
    def _end_outcome(self) -> Outcome:
        return Outcome.SUCCESS if self.document_complete else Outcome.FAR_END_HUNG_UP

    def settled_outcome(self) -> Outcome | None:
        # EOP answered MCF/RTP: the document is here, whatever happens to the line now.
        return Outcome.SUCCESS if self.document_complete else None

    def line_dropped_outcome(self) -> Outcome:
        return self._end_outcome()

    HANDLERS = {
        (S.IDLE, Start): "on_start",
        (S.R_SEND_DIS, FramesSent): "on_dis_sent",
        (S.R_WAIT_COMMAND, FrameReceived): "on_command_frame",
        (S.R_WAIT_COMMAND, LinkFailed): "on_command_failed",
        (S.R_WAIT_PPM, FrameReceived): "on_command_frame",
        (S.R_WAIT_PPM, LinkFailed): "on_command_failed",
        (S.R_RECEIVE_TCF, ImageReceived): "on_tcf",
        (S.R_RECEIVE_TCF, LinkFailed): "on_tcf_failed",
        (S.R_SEND_CFR, FramesSent): "on_cfr_sent",
        (S.R_SEND_FTT, FramesSent): "on_ftt_sent",
        (S.R_RECEIVE_PAGE, ImageReceived): "on_page",
        (S.R_RECEIVE_PAGE, LinkFailed): "on_page_failed",
        (S.R_AWAIT_QUALITY, PageQualityKnown): "on_quality",
        (S.R_SEND_PPM_RESPONSE, FramesSent): "on_response_sent",
        (S.R_SEND_CRP, FramesSent): "on_crp_sent",
        **EcmReceiving.ECM_HANDLERS,
    }
