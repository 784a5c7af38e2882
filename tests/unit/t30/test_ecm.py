"""ECM (T.30 Annex A) in the engine, frame by frame: PPR bitmaps, exactly the frames asked
for resent, CTC after the fourth PPR with a speed fallback, EOR at the lowest speed, RNR
flow control bounded by T5, and the receiver's side of each."""

from __future__ import annotations

import pytest

from faxgw.outcome import Outcome
from faxgw.session import WIDTH_A4_PX, Coding, PageOutcome, Resolution
from faxgw.t30 import events as ev
from faxgw.t30.dis import DcsSettings, DisCapabilities
from faxgw.t30.ecm import (BlockAssembly, PartialPageSignal, fcd_frame, frames_in_bitmap,
                           ppr_bitmap, split_page)
from faxgw.t30.frames import FCF, parse_frame
from faxgw.t30.link import Modulation as M, ReceivedFrame
from faxgw.t30.negotiate import LocalCapabilities, PageQuality, choose_dcs, dcs_acceptable
from faxgw.t30.receiver import Receiver
from faxgw.t30.states import State
from faxgw.t30.timers import Timers
from faxgw.t30.transmitter import Transmitter

from tests.unit.t30.ecm_steps import (DIS_ECM, ECM_LOCAL, dcs_ecm_fif, ecm_carrier,
                                      fcd_numbers, pps)
from tests.unit.t30.steps import far, line, of_type, sent_dcs, sent_fcfs

GOOD = PageQuality(500, 0, 0)
FINE_A4 = (Resolution.FINE, WIDTH_A4_PX)


# --- the pure parts -----------------------------------------------------------------------

def test_ppr_bitmap_sets_one_bit_per_frame_first_in_time_first():
    bitmap = ppr_bitmap([0, 9, 255])
    assert len(bitmap) == 32
    assert bitmap[0] == 0x01 and bitmap[1] == 0x02 and bitmap[31] == 0x80
    assert sum(bin(b).count("1") for b in bitmap) == 3
    assert frames_in_bitmap(bitmap, 256) == [0, 9, 255]
    assert frames_in_bitmap(bitmap, 10) == [0, 9]  # frames beyond the block are ignored
    with pytest.raises(ValueError):
        ppr_bitmap([256])
    with pytest.raises(ValueError):
        frames_in_bitmap(bytes(31), 10)


def test_pages_split_into_partial_pages_of_at_most_256_frames():
    blocks = split_page(bytes(range(256)) * 300, 256)  # 300 frames
    assert [len(b) for b in blocks] == [256, 44]
    assert b"".join(b"".join(b) for b in blocks) == bytes(range(256)) * 300
    small = split_page(b"x" * 130, 64)
    assert [len(f) for f in small[0]] == [64, 64, 2]
    with pytest.raises(ValueError):
        split_page(b"", 128)


def test_pps_round_trips_and_rejects_commands_that_are_not_post_message():
    signal = PartialPageSignal(FCF.EOP, 3, 1, 256)
    assert PartialPageSignal.decode(signal.encode(True)) == signal
    assert PartialPageSignal.decode(PartialPageSignal(None, 0, 0, 1).encode(False)).name == "NULL"
    with pytest.raises(ValueError):
        PartialPageSignal.decode(bytes((int(FCF.DCS), 0, 0, 0)))


def test_block_assembly_keeps_good_frames_across_retransmissions():
    assembly = BlockAssembly()
    carrier = ecm_carrier(0, {0: b"a", 1: b"b", 2: b"c"}, bad=frozenset({1}))
    assert assembly.take(list(carrier.frames)) == (2, 1)
    assert assembly.missing(3) == [1]
    assembly.take(list(ecm_carrier(0, {1: b"b"}).frames))
    assert assembly.missing(3) == [] and assembly.data(3) == b"abc"


def test_mmr_needs_ecm_on_both_sides_and_falls_back_to_mr_or_mh():
    ecm_far = DisCapabilities.decode(DIS_ECM)
    dcs = choose_dcs(ecm_far, ECM_LOCAL, M.V17_14400, *FINE_A4)
    assert dcs.ecm and dcs.coding is Coding.MMR and dcs.min_scan_ms == 0
    plain_far = DisCapabilities(modulations=(M.V29_9600,), fine=True, mr=True, mmr=True)
    # MMR offered without ECM: not used
    dcs = choose_dcs(plain_far, ECM_LOCAL, M.V29_9600, *FINE_A4)
    assert not dcs.ecm and dcs.coding is Coding.MR
    dcs = choose_dcs(ecm_far, LocalCapabilities(ecm=True, mmr=False, mr=False), M.V17_14400,
                     *FINE_A4)
    assert dcs.ecm and dcs.coding is Coding.MH
    dcs = choose_dcs(ecm_far, LocalCapabilities(), M.V17_14400, *FINE_A4)  # no ECM here
    assert not dcs.ecm and dcs.coding is Coding.MR
    # As receiver: ECM and MMR only when we offer ECM.
    mmr = DcsSettings(M.V17_14400, coding=Coding.MMR, ecm=True, min_scan_ms=0)
    assert dcs_acceptable(mmr, ECM_LOCAL) and not dcs_acceptable(mmr, LocalCapabilities())
    assert LocalCapabilities(ecm=True).dis().ecm and LocalCapabilities(ecm=True).dis().mmr
    assert not LocalCapabilities().dis().ecm and not LocalCapabilities().dis().mmr


# --- the transmitter --------------------------------------------------------------------

def to_first_block(tx: Transmitter, data: bytes, dis: bytes = DIS_ECM) -> ev.SendHdlcFrames:
    line(tx.handle(ev.Start(0.0)))
    dcs = sent_dcs(line(tx.handle(far(1.0, FCF.DIS, dis))))
    assert dcs.ecm and dcs.coding is Coding.MMR
    line(tx.handle(ev.FramesSent(1.3)))
    line(tx.handle(ev.SilenceDone(1.4)))
    line(tx.handle(ev.ImageSent(3.0)))
    line(tx.handle(far(3.5, FCF.CFR)))
    fetch = line(tx.handle(ev.SilenceDone(3.6)))
    assert isinstance(fetch, ev.FetchPage) and fetch.fmt.ecm and fetch.fmt.coding is Coding.MMR
    block = line(tx.handle(ev.PageFetched(3.7, fetch.index, data)))
    assert isinstance(block, ev.SendHdlcFrames)
    return block


def to_pps(tx: Transmitter, at: float) -> ev.SendFrames:
    line(tx.handle(ev.FramesSent(at)))
    return line(tx.handle(ev.SilenceDone(at + 0.1)))


def answer(tx: Transmitter, at: float, fcf: FCF, fif: bytes = b""):
    line(tx.handle(ev.FramesSent(at)))  # the PPS (RR, CTC, EOR) is out
    return tx.handle(far(at + 0.3, fcf, fif))


def test_transmitter_resends_exactly_the_frames_a_ppr_names():
    tx = Transmitter(ECM_LOCAL, 1)
    block = to_first_block(tx, bytes(range(256)) * 10)  # ten frames
    assert fcd_numbers(block) == list(range(10)) and block.modulation is M.V17_14400_SHORT
    assert [f[2] for f in block.frames[-3:]] == [0x86] * 3  # RCP x 3
    pps_frame = parse_frame(to_pps(tx, 4.0).frames[0])
    assert pps_frame.fcf is FCF.PPS
    assert PartialPageSignal.decode(pps_frame.fif) == PartialPageSignal(FCF.EOP, 0, 0, 10)
    actions = answer(tx, 4.5, FCF.PPR, ppr_bitmap([2, 7]))
    assert isinstance(line(actions), ev.SendSilence)
    again = line(tx.handle(ev.SilenceDone(5.0)))
    assert fcd_numbers(again) == [2, 7]
    assert again.frames[0][4:] == bytes(range(256))  # frame 2's own data
    assert tx.report.ecm_counters.frames_retransmitted == 2 and tx.report.ecm_counters.pprs == 1
    to_pps(tx, 5.5)
    actions = answer(tx, 6.0, FCF.MCF)
    assert of_type(actions, ev.PageConfirmed) == [ev.PageConfirmed(0)]
    assert sent_fcfs(line(actions)) == [FCF.DCN]
    line(tx.handle(ev.FramesSent(6.5)))
    assert tx.report.outcome is Outcome.SUCCESS and tx.report.ecm_counters.ecm_frames == 10


def test_a_page_of_more_than_256_frames_goes_in_partial_pages_with_pps_null():
    tx = Transmitter(LocalCapabilities(ident="1", ecm=True, ecm_frame_size=64), 1)
    block = to_first_block(tx, bytes(64 * 300))
    assert len(fcd_numbers(block)) == 256
    signal = PartialPageSignal.decode(parse_frame(to_pps(tx, 4.0).frames[0]).fif)
    assert signal == PartialPageSignal(None, 0, 0, 256)
    answer(tx, 4.5, FCF.MCF)
    second = line(tx.handle(ev.SilenceDone(5.0)))
    assert fcd_numbers(second) == list(range(44))
    signal = PartialPageSignal.decode(parse_frame(to_pps(tx, 5.5).frames[0]).fif)
    assert signal == PartialPageSignal(FCF.EOP, 0, 1, 44)


def test_fourth_ppr_sends_ctc_at_the_next_lower_speed_then_resends_there():
    tx = Transmitter(ECM_LOCAL, 1)
    to_first_block(tx, bytes(256 * 5))
    at = 4.0
    for n in range(1, 5):
        to_pps(tx, at)
        actions = answer(tx, at + 0.5, FCF.PPR, ppr_bitmap([3]))
        if n < 4:
            line(tx.handle(ev.SilenceDone(at + 1.0)))  # the frame again
        at += 2.0
    ctc = line(actions)
    assert sent_fcfs(ctc) == [FCF.CTC] and tx.report.ecm_counters.ctcs == 1
    assert DcsSettings.decode(parse_frame(ctc.frames[0]).fif.ljust(3, b"\0")).modulation \
        is M.V17_12000
    actions = answer(tx, at, FCF.CTR)
    resend = line(tx.handle(ev.SilenceDone(at + 0.5)))
    # The first carrier at the new speed trains long (no TCF after CTC).
    assert fcd_numbers(resend) == [3] and resend.modulation is M.V17_12000
    assert tx.report.ecm_counters.pprs == 4 and tx.report.ecm_counters.frames_retransmitted == 4
    assert tx.pprs_this_block == 0  # four more PPRs before the next CTC


def test_fourth_ppr_at_the_lowest_speed_ends_the_block_with_eor():
    tx = Transmitter(LocalCapabilities(ident="1", ecm=True, modulations=(M.V27TER_2400,)), 2)
    dis = DisCapabilities(modulations=(M.V27TER_2400,), ecm=True, mmr=True).encode()
    to_first_block(tx, bytes(256 * 3), dis)
    at = 4.0
    for n in range(4):
        to_pps(tx, at)
        actions = answer(tx, at + 0.5, FCF.PPR, ppr_bitmap([0, 1]))
        if n < 3:
            line(tx.handle(ev.SilenceDone(at + 1.0)))
        at += 2.0
    eor = line(actions)
    assert sent_fcfs(eor) == [FCF.EOR]
    assert PartialPageSignal.decode(parse_frame(eor.frames[0]).fif).command is FCF.MPS
    actions = answer(tx, at, FCF.ERR)
    assert not of_type(actions, ev.PageConfirmed)  # the page arrived with frames missing
    assert tx.report.pages[0].outcome is PageOutcome.REJECTED and tx.report.ecm_counters.eors == 1
    # The next page goes on; the call ends PAGE_REJECTED, not SUCCESS.
    line(tx.handle(ev.SilenceDone(at + 1)))
    line(tx.handle(ev.PageFetched(at + 1.1, 1, bytes(10))))
    to_pps(tx, at + 1.5)
    actions = answer(tx, at + 2.0, FCF.MCF)
    assert of_type(actions, ev.PageConfirmed) == [ev.PageConfirmed(1)]
    line(tx.handle(ev.FramesSent(at + 3)))
    assert tx.report.outcome is Outcome.PAGE_REJECTED


def test_rnr_is_polled_with_rr_until_the_receiver_is_ready():
    tx = Transmitter(ECM_LOCAL, 1)
    to_first_block(tx, bytes(300))
    to_pps(tx, 4.0)
    at = 4.5
    for _ in range(3):
        rr = line(answer(tx, at, FCF.RNR))
        assert sent_fcfs(rr) == [FCF.RR]
        at += 1.0
    actions = answer(tx, at, FCF.MCF)  # MCF to RR: the answer to the PPS
    assert of_type(actions, ev.PageConfirmed) == [ev.PageConfirmed(0)]
    assert tx.report.ecm_counters.rnrs == 3


def test_rnr_for_longer_than_t5_ends_the_call():
    tx = Transmitter(ECM_LOCAL, 1, timers=Timers(t5_s=10.0))
    to_first_block(tx, bytes(300))
    to_pps(tx, 4.0)
    assert sent_fcfs(line(answer(tx, 4.5, FCF.RNR))) == [FCF.RR]
    assert sent_fcfs(line(answer(tx, 9.0, FCF.RNR))) == [FCF.RR]
    dcn = line(answer(tx, 15.0, FCF.RNR))  # T5 ran out (first RNR at 4.8)
    assert sent_fcfs(dcn) == [FCF.DCN] and tx.report.outcome is Outcome.PROTOCOL_TIMEOUT


def test_far_end_without_ecm_gets_the_non_ecm_page_path():
    tx = Transmitter(ECM_LOCAL, 1)
    line(tx.handle(ev.Start(0.0)))
    dis = DisCapabilities(modulations=(M.V29_9600, M.V29_7200), fine=True, mr=True).encode()
    dcs = sent_dcs(line(tx.handle(far(1.0, FCF.DIS, dis))))
    assert not dcs.ecm and dcs.coding is Coding.MR
    line(tx.handle(ev.FramesSent(1.3)))
    line(tx.handle(ev.SilenceDone(1.4)))
    line(tx.handle(ev.ImageSent(3.0)))
    line(tx.handle(far(3.5, FCF.CFR)))
    page = line(tx.handle(ev.SilenceDone(3.6)))
    assert isinstance(page, ev.SendPage) and not page.fmt.ecm


# --- the receiver -------------------------------------------------------------------------

def rx_to_frames(frame_size: int = 256) -> Receiver:
    rx = Receiver(LocalCapabilities(ident="1002", ecm=True))
    dis = line(rx.handle(ev.Start(0.0)))
    assert DisCapabilities.decode(parse_frame(dis.frames[-1]).fif).ecm
    line(rx.handle(ev.FramesSent(0.5)))
    line(rx.handle(far(1.0, FCF.DCS, dcs_ecm_fif(frame_size=frame_size), x_bit=True)))
    line(rx.handle(ev.ImageReceived(2.6, bytes(2700))))
    listen = line(rx.handle(ev.FramesSent(2.9)))
    assert isinstance(listen, ev.ReceiveHdlcFrames) and listen.modulation is M.V17_14400_SHORT
    return rx


def ppr_frames(action) -> list[int]:
    frame = parse_frame(action.frames[0])
    assert frame.fcf is FCF.PPR
    return frames_in_bitmap(frame.fif, 256)


def test_receiver_asks_for_exactly_the_frames_missing_or_damaged():
    rx = rx_to_frames()
    payloads = {n: bytes([n]) * 256 for n in range(8)}
    del payloads[5]  # never arrived
    line(rx.handle(ecm_carrier(3.5, payloads, bad=frozenset({2}))))
    assert ppr_frames(line(rx.handle(pps(3.8, FCF.EOP, 0, 0, 8)))) == [2, 5]
    assert isinstance(line(rx.handle(ev.FramesSent(4.0))), ev.ReceiveHdlcFrames)
    line(rx.handle(ecm_carrier(4.5, {2: bytes([2]) * 256}, bad=frozenset())))
    assert ppr_frames(line(rx.handle(pps(4.8, FCF.EOP, 0, 0, 8)))) == [5]
    line(rx.handle(ev.FramesSent(5.0)))
    line(rx.handle(ecm_carrier(5.5, {5: bytes([5]) * 256})))
    actions = rx.handle(pps(5.8, FCF.EOP, 0, 0, 8))
    decode = of_type(actions, ev.DecodePage)[0]
    assert decode.data == b"".join(bytes([n]) * 256 for n in range(8))
    assert decode.fmt.ecm and decode.fmt.coding is Coding.MMR
    actions = rx.handle(ev.PageQualityKnown(6.0, 0, GOOD))
    assert of_type(actions, ev.KeepPage) and sent_fcfs(line(actions)) == [FCF.MCF]
    line(rx.handle(ev.FramesSent(6.3)))
    assert rx.document_complete and rx.report.ecm_counters.pprs == 2


def test_receiver_says_rnr_while_the_page_is_being_stored():
    rx = rx_to_frames()
    line(rx.handle(ecm_carrier(3.5, {0: b"x" * 10})))
    wait = line(rx.handle(pps(3.8, FCF.MPS, 0, 0, 1)))
    assert isinstance(wait, ev.AwaitPageQuality) and wait.timeout_s is not None
    assert wait.timeout_s < rx.t4_s  # the answer must come within the sender's T4
    assert sent_fcfs(line(rx.handle(ev.PageQualityPending(4.8, 0)))) == [FCF.RNR]
    line(rx.handle(ev.FramesSent(5.0)))
    assert isinstance(line(rx.handle(far(5.3, FCF.RR, x_bit=True))), ev.AwaitPageQuality)
    assert sent_fcfs(line(rx.handle(ev.PageQualityPending(6.3, 0)))) == [FCF.RNR]
    line(rx.handle(ev.FramesSent(6.5)))
    line(rx.handle(far(6.8, FCF.RR, x_bit=True)))
    assert sent_fcfs(line(rx.handle(ev.PageQualityKnown(7.0, 0, GOOD)))) == [FCF.MCF]
    assert isinstance(line(rx.handle(ev.FramesSent(7.2))), ev.ReceiveHdlcFrames)
    assert rx.report.ecm_counters.rnrs == 2


def test_receiver_answers_ctc_with_ctr_and_listens_at_the_new_speed():
    rx = rx_to_frames()
    line(rx.handle(ecm_carrier(3.5, {0: b"x"}, bad=frozenset({0}))))
    line(rx.handle(pps(3.8, FCF.EOP, 0, 0, 1)))
    line(rx.handle(ev.FramesSent(4.0)))
    rx.handle(ev.LinkFailed(6.0, ev.LinkFailure.WRONG_CARRIER))  # the sender's CTC (V.21)
    ctc = far(6.1, FCF.CTC, dcs_ecm_fif(M.V17_9600)[:2], x_bit=True)
    assert sent_fcfs(line(rx.handle(ctc))) == [FCF.CTR]
    listen = line(rx.handle(ev.FramesSent(6.3)))
    # The first carrier after CTC trains long, as the sender sends it.
    assert isinstance(listen, ev.ReceiveHdlcFrames) and listen.modulation is M.V17_9600
    assert rx.report.ecm_counters.ctcs == 1


def test_receiver_answers_eor_with_err_and_keeps_what_arrived():
    rx = rx_to_frames()
    line(rx.handle(ecm_carrier(3.5, {0: b"a" * 256, 2: b"c"})))
    line(rx.handle(pps(3.8, FCF.EOP, 0, 0, 3)))
    line(rx.handle(ev.FramesSent(4.0)))
    rx.handle(ev.LinkFailed(6.0, ev.LinkFailure.WRONG_CARRIER))
    actions = rx.handle(pps(6.1, FCF.EOP, 0, 0, 3, fcf=FCF.EOR))
    assert of_type(actions, ev.DecodePage)[0].data == b"a" * 256 + b"c"
    actions = rx.handle(ev.PageQualityKnown(6.3, 0, GOOD))
    assert sent_fcfs(line(actions)) == [FCF.ERR] and rx.report.ecm_counters.eors == 1


def test_receiver_repeats_its_answer_to_a_repeated_pps():
    rx = rx_to_frames()
    line(rx.handle(ecm_carrier(3.5, {0: b"a"})))
    line(rx.handle(pps(3.8, None, 0, 0, 1)))  # PPS-NULL: MCF at once, no page yet
    assert rx.state is State.R_SEND_PPS_RESPONSE
    line(rx.handle(ev.FramesSent(4.0)))
    rx.handle(ev.LinkFailed(6.0, ev.LinkFailure.WRONG_CARRIER))
    assert sent_fcfs(line(rx.handle(pps(6.1, None, 0, 0, 1)))) == [FCF.MCF]
    assert not rx.report.pages  # the block was counted once


def test_received_frames_with_bad_fcs_never_reach_the_page():
    rx = rx_to_frames()
    frames = (ReceivedFrame(b"\xff\x03\x06\x00" + b"x" * 256, False),)
    line(rx.handle(ev.HdlcFramesReceived(3.5, frames)))
    assert ppr_frames(line(rx.handle(pps(3.8, FCF.MPS, 0, 0, 1)))) == [0]


def test_a_pps_after_ppr_counting_only_the_resent_frames_does_not_shrink_the_block():
    """spandsp's PPS after a retransmission names only the frames it resent: the partial
    page keeps the size its first PPS gave, so the frames still missing are still asked for."""
    assembly = BlockAssembly()
    assembly.take([ReceivedFrame(fcd_frame(n, b"x")) for n in (0, 1, 3, 4)])
    assert assembly.frame_count(7) == 7
    assert assembly.missing(assembly.frame_count(7)) == [2, 5, 6]
    assembly.take([ReceivedFrame(fcd_frame(2, b"x"))])
    assert assembly.frame_count(3) == 7  # the resent frames' PPS: 3 of them
    assert assembly.missing(assembly.frame_count(3)) == [5, 6]
