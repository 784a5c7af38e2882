"""ECM for the answering receiver (T.30 Annex A): keep the FCD frames that arrive with a
good FCS, answer PPS with PPR (the bitmap of the frames still missing) until the partial
page is whole, then MCF; RNR while the page is still being stored (decoded); CTR to CTC,
ERR to EOR. Mixed into ``Receiver``: it uses that class's state and helpers.
"""

from __future__ import annotations

from dataclasses import replace

from faxgw.session import PageOutcome, PageResult
from faxgw.t30.dis import DcsSettings, page_modulation
from faxgw.t30.ecm import BlockAssembly, PartialPageSignal, ppr_bitmap
from faxgw.t30.events import (Action, AwaitPageQuality, DecodePage, DiscardPage, FramesSent,
                              HdlcFramesReceived, KeepPage, LinkFailed, Note,
                              PageQualityKnown, PageQualityPending, ReceiveHdlcFrames)
from faxgw.t30.frames import FCF, Frame
from faxgw.t30.negotiate import judge_page
from faxgw.t30.states import State
from faxgw.t30.timers import ECM_READY_WAIT_SHARE_OF_T4

S = State
ECM_COMMANDS = frozenset({FCF.PPS, FCF.EOR, FCF.RR, FCF.CTC})
_EOP = (FCF.EOP, FCF.PRI_EOP)
_EOM = (FCF.EOM, FCF.PRI_EOM)


class EcmReceiving:
    """The ECM rows of ``Receiver`` (see ``ECM_HANDLERS``)."""

    def _ecm_reset(self) -> None:
        self.assembly = BlockAssembly()
        self.page_data = bytearray()  # the partial pages of this page already whole
        self.last_block: tuple[int, int] | None = None  # (page, block) last completed
        self.ecm_ppm: FCF | None = None  # command of the last PPS/EOR (None: NULL)
        self.ecm_answer = FCF.MCF  # MCF (after PPS) or ERR (after EOR) once stored
        self.long_train = False  # after CTR: the sender's next carrier trains long

    # --- phase C: frames ------------------------------------------------------------------
    def _receive_ecm_frames(self, at: float) -> list[Action]:
        self.goto(S.R_RECEIVE_ECM_FRAMES)
        self.page_wait_started, self.deadline, self.relistens = at, at + self.t2_s, 0
        modulation = self.dcs.modulation if self.long_train else \
            page_modulation(self.dcs.modulation)
        self.long_train = False
        return [ReceiveHdlcFrames(modulation, self.t2_s)]

    def on_ecm_frames(self, event: HdlcFramesReceived) -> list[Action]:
        good, bad = self.assembly.take(list(event.frames))
        self.report.ecm_counters.ecm_frames += good
        note = Note(f"ECM carrier: {good} good frames, {bad} with FCS errors")
        return [note, *self.listen(S.R_WAIT_PPM, event.at, self.t2_s)]

    def on_ecm_frames_failed(self, event: LinkFailed) -> list[Action]:
        # No frames at the image speed: the sender may have sent its PPS (V.21) already,
        # having heard our answer as something else. Listen for the command.
        return [Note(f"no ECM carrier ({event.failure.value}): listening for a command"),
                *self.listen(S.R_WAIT_COMMAND, event.at, self.t2_s)]

    # --- phase D: PPS, EOR, RR, CTC --------------------------------------------------------
    def _ecm_command(self, frame: Frame, at: float) -> list[Action]:
        if frame.fcf is FCF.CTC:
            return self._ctc(frame, at)
        if frame.fcf is FCF.RR:
            if self.pending is not None:
                return self._await_ecm_quality(self.pending)
            if self.last_response is None:
                return self.relisten(at, "RR before any answer") or self._no_command(at)
            return self._answer(self.last_response, "RR: repeating our answer")
        try:
            signal = PartialPageSignal.decode(frame.fif)
        except ValueError as exc:
            return self.relisten(at, str(exc)) or self._no_command(at)
        if (signal.page, signal.block) == self.last_block:  # our answer was lost
            if self.pending is not None:
                return self._await_ecm_quality(self.pending)
            return self._answer(self.last_response, f"{frame.name} repeated: repeating our answer")
        signal = replace(signal, frames=self.assembly.frame_count(signal.frames))
        if frame.fcf is FCF.PPS:
            missing = self.assembly.missing(signal.frames)
            if missing:
                self.report.ecm_counters.pprs += 1
                return self._answer(self.frame(FCF.PPR, ppr_bitmap(missing)),
                                    f"PPS-{signal.name}: {len(missing)} of {signal.frames} "
                                    f"frames missing: PPR")
        else:
            self.report.ecm_counters.eors += 1
        return self._block_whole(signal, FCF.MCF if frame.fcf is FCF.PPS else FCF.ERR)

    def _block_whole(self, signal: PartialPageSignal, answer: FCF) -> list[Action]:
        """The partial page is complete (PPS) or given up on (EOR): keep what came."""
        self.page_data += self.assembly.data(signal.frames)
        self.assembly = BlockAssembly()
        self.last_block = (signal.page, signal.block)
        self.ecm_ppm, self.ecm_answer = signal.command, answer
        if signal.command is None:
            return self._answer(self.frame(answer), f"partial page {signal.block + 1} "
                                f"of page {signal.page + 1} stored: {answer.name}")
        assert self.fmt is not None
        index = self.arrivals
        self.arrivals += 1
        self.pending = index
        self.ppm = signal.command
        self.report.pages.append(PageResult(index=index, attempts=1,
                                            bit_rate=self.dcs.modulation.bit_rate))
        data, self.page_data = bytes(self.page_data), bytearray()
        return [DecodePage(index, data, self.fmt), *self._await_ecm_quality(index)]

    def _await_ecm_quality(self, index: int) -> list[Action]:
        self.goto(S.R_AWAIT_QUALITY)
        return [AwaitPageQuality(index, self.t4_s * ECM_READY_WAIT_SHARE_OF_T4)]

    def on_ecm_quality(self, event: PageQualityKnown) -> list[Action]:
        """The page is stored: keep it unless it does not decode, and confirm it. The
        frames came with good FCS; bad lines can only follow an EOR."""
        verdict = judge_page(event.quality, self.policy)
        page = self.report.pages[event.index]
        page.total_lines, page.bad_lines = event.quality.total_lines, event.quality.bad_lines
        self.pending = None
        keep = verdict is not FCF.RTN
        page.outcome = PageOutcome.CONFIRMED if keep else PageOutcome.REJECTED
        marker = KeepPage(event.index) if keep else DiscardPage(event.index)
        note = (f"page {event.index + 1}: {event.quality.total_lines} lines, "
                f"{event.quality.bad_lines} bad: {self.ecm_answer.name}")
        return [marker, *self._answer(self.frame(self.ecm_answer), note)]

    def on_quality_pending(self, event: PageQualityPending) -> list[Action]:
        self.report.ecm_counters.rnrs += 1
        return self._answer(self.frame(FCF.RNR), f"page {event.index + 1} not stored yet: RNR")

    def _ctc(self, frame: Frame, at: float) -> list[Action]:
        try:
            modulation = DcsSettings.decode(bytes(frame.fif[:2]).ljust(3, b"\0")).modulation
        except ValueError as exc:
            return self.relisten(at, f"CTC: {exc}") or self._no_command(at)
        if modulation not in self.local.speeds():
            return self.relisten(at, f"CTC to {modulation.name}: not ours") or \
                self._no_command(at)
        self.dcs = replace(self.dcs, modulation=modulation)
        self.report.dcs, self.long_train = self.dcs, True
        self.report.ecm_counters.ctcs += 1
        return self._answer(self.frame(FCF.CTR),
                            f"CTC: continuing at {modulation.family} {modulation.bit_rate}")

    def _answer_state(self) -> State:
        return S.R_SEND_PPS_RESPONSE if self.dcs is not None and self.dcs.ecm \
            else S.R_SEND_PPM_RESPONSE

    def on_pps_response_sent(self, event: FramesSent) -> list[Action]:
        answer = self.last_response[2] & 0xFE if self.last_response else FCF.MCF
        if answer in (FCF.PPR, FCF.CTR):
            return self._receive_ecm_frames(event.at)
        if answer == FCF.RNR:
            return self.listen(S.R_WAIT_PPM, event.at, self.t2_s)
        if self.ecm_ppm is None or self.ecm_ppm in (FCF.MPS, FCF.PRI_MPS):
            return self._receive_ecm_frames(event.at)  # the next partial page, or page
        if self.ecm_ppm in _EOM:
            self.dcs = None
            return self._send_dis(note="EOM: a new document follows")
        if self.ecm_ppm in _EOP:
            self.document_complete = True
        return self.listen(S.R_WAIT_COMMAND, event.at, self.t2_s)

    ECM_HANDLERS = {
        (S.R_RECEIVE_ECM_FRAMES, HdlcFramesReceived): "on_ecm_frames",
        (S.R_RECEIVE_ECM_FRAMES, LinkFailed): "on_ecm_frames_failed",
        (S.R_AWAIT_QUALITY, PageQualityPending): "on_quality_pending",
        (S.R_SEND_PPS_RESPONSE, FramesSent): "on_pps_response_sent",
    }
