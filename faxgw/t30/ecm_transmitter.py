"""ECM for the calling transmitter (T.30 Annex A): each page goes as partial pages of FCD
frames; PPS asks whether a partial page arrived whole; PPR names the frames to send again
(exactly those are resent); after the fourth PPR of a partial page CTC moves to the next
lower speed, and where there is none EOR gives up on the missing frames; RNR is polled with
RR until T5. At the end of a page PIP counts as MCF and PIN as a page refused (T.30
allows both answers to a post-message command; spandsp sends them so), and EOM starts
the next document. Mixed into ``Transmitter``: it uses that class's state and helpers.
"""

from __future__ import annotations

from dataclasses import replace

from faxgw.outcome import Outcome
from faxgw.session import PageOutcome
from faxgw.t30.dis import page_modulation
from faxgw.t30.ecm import (MAX_PPRS_BEFORE_CTC, PartialPageSignal, block_frames, ctc_fif,
                           frames_in_bitmap, split_page)
from faxgw.t30.events import (Abort, Action, FetchPage, FramesSent, FrameReceived, LinkFailed,
                              Note, PageConfirmed, PageFetched, SendHdlcFrames, SendSilence,
                              SilenceDone)
from faxgw.t30.frames import FCF
from faxgw.t30.states import State
from faxgw.t30.timers import MAX_COMMAND_TRIES, SILENCE_BEFORE_MODULATION_MS

S = State


class EcmSending:
    """The ECM rows of ``Transmitter`` (see ``ECM_HANDLERS``)."""

    def _ecm_reset(self) -> None:
        self.blocks: list[list[bytes]] | None = None  # the current page, framed
        self.block = 0  # partial page of the current page being sent
        self.resend: list[int] | None = None  # frames a PPR asked for; None: all
        self.pprs_this_block = 0
        self.long_train = False  # after CTC: the first carrier at the new speed trains long
        self.ecm_command = FCF.PPS  # what we sent last in phase D: PPS, RR, CTC or EOR
        self.ecm_asked = FCF.PPS  # what RR polls the answer to: PPS or EOR
        self.rnr_deadline: float | None = None  # T5 from the first RNR
        self.page_incomplete = False  # EOR gave up frames of this page

    # --- phase C: the partial page ------------------------------------------------------
    def _ecm_page_start(self) -> list[Action]:
        if self.blocks is None:
            page = self.report.pages[self.page]
            page.attempts += 1
            page.bit_rate = self.dcs.modulation.bit_rate
            self.goto(S.T_FETCH_PAGE)
            return [FetchPage(self.page, self.fmt)]
        return self._send_block()

    def on_page_fetched(self, event: PageFetched) -> list[Action]:
        self.blocks = split_page(event.data, self.local.ecm_frame_size)
        self.block, self.resend, self.pprs_this_block = 0, None, 0
        self.page_incomplete = False
        return [Note(f"page {self.page + 1}: {len(event.data)} bytes in "
                     f"{sum(map(len, self.blocks))} frames of {self.local.ecm_frame_size}, "
                     f"{len(self.blocks)} partial page(s)"), *self._send_block()]

    def _send_block(self) -> list[Action]:
        payloads = self.blocks[self.block]
        modulation = self.dcs.modulation if self.long_train else \
            page_modulation(self.dcs.modulation)
        self.long_train = False
        if self.resend is None:
            self.report.ecm_counters.ecm_frames += len(payloads)
        else:
            self.report.ecm_counters.frames_retransmitted += len(self.resend)
        self.goto(S.T_SEND_PARTIAL_PAGE)
        self.heard_far_end = False
        return [SendHdlcFrames(modulation, block_frames(payloads, self.resend))]

    def on_block_sent(self, event: FramesSent) -> list[Action]:
        self.goto(S.T_SILENCE_BEFORE_PPS)
        return [SendSilence(SILENCE_BEFORE_MODULATION_MS)]

    def on_fetch_aborted(self, event: Abort) -> list[Action]:
        return self._disconnect(event.outcome, event.detail)

    # --- phase D: PPS and its answers ---------------------------------------------------
    def on_pps_silence(self, event: SilenceDone) -> list[Action]:
        self.ecm_command = self.ecm_asked = FCF.PPS
        self.command_tries = 0
        self.ppm = self._block_command() or FCF.MPS
        return self._send_ecm_command()

    def _block_command(self) -> FCF | None:
        """PPS-NULL inside a page; at its last partial page the post-page command (MPS,
        EOM before a new document, EOP after the last page)."""
        if self.block < len(self.blocks) - 1:
            return None
        return self.post_page_command()

    def _partial_page_signal(self) -> PartialPageSignal:
        return PartialPageSignal(self._block_command(), self.page, self.block,
                                 len(self.blocks[self.block]))

    def _send_ecm_command(self) -> list[Action]:
        self.command_tries += 1
        command = self.ecm_command
        if command in (FCF.PPS, FCF.EOR):
            signal = self._partial_page_signal()
            fif, note = signal.encode(self.X_BIT), f"{command.name}-{signal.name}"
            note += f" page {signal.page + 1} block {signal.block + 1}, {signal.frames} frames"
        elif command is FCF.CTC:
            fif = ctc_fif(self.dcs.encode())
            note = f"CTC: continue at {self.dcs.modulation.family} {self.dcs.modulation.bit_rate}"
        else:
            fif, note = b"", "RR: is the receiver ready?"
        return self.send(S.T_SEND_PPS, self.frame(command, fif), note=note)

    def on_pps_sent(self, event: FramesSent) -> list[Action]:
        if self._block_command() is not None:  # the page's last partial page: it is all out
            self.unanswered = self.page
        return self.listen(S.T_WAIT_PPS_RESPONSE, event.at, self.t4_s)

    def on_pps_response_frame(self, event: FrameReceived) -> list[Action]:
        frame = self.classify(event)
        if isinstance(frame, str):
            return self._ignored(event, frame, self._no_pps_response)
        asked, fcf = self.ecm_asked, frame.fcf
        if fcf is FCF.MCF and self.ecm_command in (FCF.PPS, FCF.RR) and asked is FCF.PPS:
            return self._block_done(event.at, "MCF")
        if fcf is FCF.PPR and self.ecm_command in (FCF.PPS, FCF.RR) and asked is FCF.PPS:
            return self._ppr(frame.fif, event.at)
        end_of_page = self._block_command() is not None and self.ecm_command is not FCF.CTC
        if fcf is FCF.PIP and end_of_page:  # page good; the operator it asks for: none here
            return self._block_done(event.at, "PIP")
        if fcf is FCF.PIN and end_of_page:  # page not good; no operator to talk to either
            return self._block_done(event.at, "PIN", abandoned=True)
        if fcf is FCF.ERR and asked is FCF.EOR and self.ecm_command in (FCF.EOR, FCF.RR):
            return self._block_done(event.at, "ERR", abandoned=True)
        if fcf is FCF.CTR and self.ecm_command is FCF.CTC:
            self.pprs_this_block, self.long_train = 0, True
            self.goto(S.T_SILENCE_BEFORE_PAGE)
            return [Note("CTR: resending at the new speed"),
                    SendSilence(SILENCE_BEFORE_MODULATION_MS)]
        if fcf is FCF.RNR:
            return self._receiver_not_ready(event.at)
        return self._common_response(frame, event, self._no_pps_response,
                                     lambda at: self._send_ecm_command())

    def on_pps_response_failed(self, event: LinkFailed) -> list[Action]:
        return self._link_failed_waiting(event, self._no_pps_response)

    def _no_pps_response(self, at: float) -> list[Action]:
        if self.command_tries < MAX_COMMAND_TRIES:
            return [Note(f"no response to {self.ecm_command.name}: repeating"),
                    *self._send_ecm_command()]
        if self.ppm is FCF.EOP and self.ecm_asked is FCF.PPS:
            self.report.pages[self.page].outcome = PageOutcome.UNCONFIRMED
            return self._disconnect(Outcome.EOP_UNANSWERED, "PPS-EOP sent 3 times, no answer")
        return self._disconnect(Outcome.PROTOCOL_TIMEOUT, f"{self.ecm_command.name} sent "
                                f"{self.command_tries} times, no answer")

    def _ppr(self, fif: bytes, at: float) -> list[Action]:
        frames_in_block = len(self.blocks[self.block])
        try:
            wanted = frames_in_bitmap(fif, frames_in_block)
        except ValueError as exc:
            return self.relisten(at, str(exc)) or self._no_pps_response(at)
        if not wanted:  # a PPR that names no frame of this block: nothing is missing
            return self._block_done(at, "PPR naming no frame")
        self.report.ecm_counters.pprs += 1
        self.pprs_this_block += 1
        self.rnr_deadline = None
        self.resend = wanted
        note = Note(f"PPR {self.pprs_this_block}: {len(wanted)} of {frames_in_block} "
                    f"frames to send again")
        if self.pprs_this_block >= MAX_PPRS_BEFORE_CTC:
            return [note, *self._after_fourth_ppr()]
        self.goto(S.T_SILENCE_BEFORE_PAGE)
        return [note, SendSilence(SILENCE_BEFORE_MODULATION_MS)]

    def _after_fourth_ppr(self) -> list[Action]:
        """CTC with the next lower speed (T.30 A.5.1); at the lowest speed, EOR."""
        self.command_tries = 0
        if self.speed_index + 1 < len(self.speeds):
            self.speed_index += 1
            self.dcs = replace(self.dcs, modulation=self.speeds[self.speed_index])
            self.report.dcs = self.dcs
            self.report.ecm_counters.ctcs += 1
            self.ecm_command = FCF.CTC
            return self._send_ecm_command()
        self.report.ecm_counters.eors += 1
        self.ecm_command = self.ecm_asked = FCF.EOR
        return self._send_ecm_command()

    def _receiver_not_ready(self, at: float) -> list[Action]:
        """RNR: poll with RR until the receiver is ready, for T5 at most (T.30 A.5.3)."""
        if self.rnr_deadline is None:
            self.rnr_deadline = at + self.t5_s
        self.report.ecm_counters.rnrs += 1
        if at >= self.rnr_deadline:
            return self._disconnect(Outcome.PROTOCOL_TIMEOUT, "receiver not ready for T5")
        self.ecm_command, self.command_tries = FCF.RR, 0
        return self._send_ecm_command()

    def _block_done(self, at: float, why: str, abandoned: bool = False) -> list[Action]:
        self.page_incomplete |= abandoned
        self.unanswered = None
        self.block += 1
        self.resend, self.pprs_this_block, self.rnr_deadline = None, 0, None
        if self.block < len(self.blocks):
            self.goto(S.T_SILENCE_BEFORE_PAGE)
            return [Note(f"{why}: partial page {self.block} done"),
                    SendSilence(SILENCE_BEFORE_MODULATION_MS)]
        self.blocks = None
        page = self.report.pages[self.page]
        actions: list[Action] = []
        if self.page_incomplete:
            page.outcome = PageOutcome.REJECTED
            actions.append(Note(f"{why}: page {self.page + 1} not accepted whole"))
        else:
            page.outcome = PageOutcome.CONFIRMED
            actions += [Note(f"{why}: page {self.page + 1} confirmed"), PageConfirmed(self.page)]
        if self.page == len(self.report.pages) - 1:
            rejected = [p.index + 1 for p in self.report.pages
                        if p.outcome is PageOutcome.REJECTED]
            if rejected:
                return actions + self._disconnect(
                    Outcome.PAGE_REJECTED, f"pages {rejected} not accepted whole (EOR or PIN)")
            return actions + self._disconnect(Outcome.SUCCESS)
        self.page += 1
        if self.ppm is FCF.EOM:
            return actions + self._next_document(at)
        self.goto(S.T_SILENCE_BEFORE_PAGE)
        return actions + [SendSilence(SILENCE_BEFORE_MODULATION_MS)]

    ECM_HANDLERS = {
        (S.T_FETCH_PAGE, PageFetched): "on_page_fetched",
        (S.T_FETCH_PAGE, Abort): "on_fetch_aborted",
        (S.T_SEND_PARTIAL_PAGE, FramesSent): "on_block_sent",
        (S.T_SILENCE_BEFORE_PPS, SilenceDone): "on_pps_silence",
        (S.T_SEND_PPS, FramesSent): "on_pps_sent",
        (S.T_WAIT_PPS_RESPONSE, FrameReceived): "on_pps_response_frame",
        (S.T_WAIT_PPS_RESPONSE, LinkFailed): "on_pps_response_failed",
    }
