"""The calling transmitter, frame by frame, branch by branch."""

import pytest

from faxgw.outcome import Outcome
from faxgw.session import PageOutcome, Resolution
from faxgw.t30 import events as ev
from faxgw.t30.frames import FCF
from faxgw.t30.dis import page_modulation
from faxgw.t30.link import Modulation as M
from faxgw.t30.negotiate import LocalCapabilities
from faxgw.t30.states import State, UnexpectedEvent
from faxgw.t30.timers import MAX_NOISE_BEFORE_DIS, T1_S, T4_S
from faxgw.t30.transmitter import Transmitter

from tests.unit.t30.steps import far, ident_frame, line, of_type, sent_dcs, sent_fcfs

DIS_V17 = bytes([0x00, 0xEE, 0x08])  # V.17, fine, MR, unlimited, 20 ms
DIS_V29 = bytes([0x00, 0x4E, 0x00])  # V.29 + V.27ter, fine


def to_wait_cfr(tx: Transmitter, at: float = 1.0, dis: bytes = DIS_V17):
    """Start, DIS, and the DCS/TCF sequence; returns the DCS action."""
    line(tx.handle(ev.Start(0.0)))
    dcs = line(tx.handle(far(at, FCF.DIS, dis)))
    assert isinstance(line(tx.handle(ev.FramesSent(at + 0.2))), ev.SendSilence)
    tcf = line(tx.handle(ev.SilenceDone(at + 0.3)))
    assert isinstance(tcf, ev.SendImage) and not any(tcf.data)
    assert line(tx.handle(ev.ImageSent(at + 1.8))) == ev.ReceiveFrame(T4_S)
    return dcs


def to_page_sent(tx: Transmitter, at: float):
    """From CFR (or MCF) accepted: silence, page, silence, PPM; returns PPM and SendPage."""
    send = line(tx.handle(ev.SilenceDone(at)))
    assert isinstance(send, ev.SendPage)
    assert send.modulation is page_modulation(tx.dcs.modulation)  # V.17: short training
    page = tx.state
    assert page is State.T_SEND_PAGE
    assert isinstance(line(tx.handle(ev.ImageSent(at + 1))), ev.SendSilence)
    ppm = line(tx.handle(ev.SilenceDone(at + 1.1)))
    assert line(tx.handle(ev.FramesSent(at + 1.3))) == ev.ReceiveFrame(T4_S)
    return sent_fcfs(ppm)[0]


def new_tx(pages: int = 2, **kw) -> Transmitter:
    return Transmitter(LocalCapabilities(ident="+1 555 0100"), pages, Resolution.FINE, **kw)


def test_two_pages_happy_path():
    tx = new_tx(2)
    assert line(tx.handle(ev.Start(0.0))) == ev.ReceiveFrame(T1_S)
    # NSF ignored, CSI noted, then DIS (one V.21 carrier, three frames)
    assert isinstance(line(tx.handle(far(1.0, FCF.NSF, b"\x00\x01\x02", final=False))),
                      ev.ReceiveFrame)
    line(tx.handle(ident_frame(1.1, FCF.CSI, "+44 20 7946")))
    actions = tx.handle(far(1.2, FCF.DIS, DIS_V17))
    dcs_action = line(actions)
    assert sent_fcfs(dcs_action) == [FCF.TSI, FCF.DCS]
    assert dcs_action.frames[-1][2] == 0x83  # X bit set: we received DIS
    dcs = sent_dcs(dcs_action)
    assert (dcs.modulation, dcs.resolution) == (M.V17_14400, Resolution.FINE)
    assert of_type(actions, ev.PreparePages)[0].fmt.bit_rate == 14400
    assert tx.report.remote_ident == "+44 20 7946"
    assert line(tx.handle(ev.FramesSent(1.5))) == ev.SendSilence(75)
    tcf = line(tx.handle(ev.SilenceDone(1.6)))
    assert tcf.modulation is M.V17_14400 and len(tcf.data) == 14400 * 3 // 16
    line(tx.handle(ev.ImageSent(3.1)))
    assert line(tx.handle(far(3.5, FCF.CFR))) == ev.SendSilence(75)
    assert to_page_sent(tx, 3.6) is FCF.MPS
    actions = tx.handle(far(8.0, FCF.MCF))
    assert of_type(actions, ev.PageConfirmed) == [ev.PageConfirmed(0)]
    assert line(actions) == ev.SendSilence(75)
    assert to_page_sent(tx, 8.1) is FCF.EOP
    actions = tx.handle(far(12.0, FCF.MCF))
    assert of_type(actions, ev.PageConfirmed) == [ev.PageConfirmed(1)]
    assert sent_fcfs(line(actions)) == [FCF.DCN]
    assert line(tx.handle(ev.FramesSent(12.3))) == ev.Finish(Outcome.SUCCESS, "")
    assert tx.report.pages_confirmed == 2 and tx.finished


def test_far_end_repeating_dis_gets_dcs_again_bounded():
    tx = new_tx()
    to_wait_cfr(tx)
    for n in range(3):  # it missed our DCS: resend, without counting a training try
        again = line(tx.handle(far(5.0 + n, FCF.DIS, DIS_V17)))
        assert sent_fcfs(again) == [FCF.TSI, FCF.DCS]
        assert sent_dcs(again).modulation is M.V17_14400
        line(tx.handle(ev.FramesSent(5.1 + n)))
        line(tx.handle(ev.SilenceDone(5.2 + n)))
        line(tx.handle(ev.ImageSent(5.3 + n)))
    assert tx.tries_at_speed == 1
    last = line(tx.handle(far(9.0, FCF.DIS, DIS_V17)))
    assert sent_fcfs(last) == [FCF.DCN]
    assert tx.report.outcome is Outcome.PROTOCOL_ERROR


def test_ftt_falls_back_after_three_tries_per_speed_in_t30_order():
    tx = new_tx()
    to_wait_cfr(tx)
    speeds = [M.V17_14400]
    while True:
        act = line(tx.handle(far(5.0, FCF.FTT)))
        if sent_fcfs(act) == [FCF.DCN]:
            break
        speeds.append(sent_dcs(act).modulation)
        line(tx.handle(ev.FramesSent(5.1)))
        line(tx.handle(ev.SilenceDone(5.2)))
        line(tx.handle(ev.ImageSent(5.3)))
    expected = [m for m in (M.V17_14400, M.V17_12000, M.V17_9600, M.V17_7200, M.V29_9600,
                            M.V29_7200, M.V27TER_4800, M.V27TER_2400) for _ in range(3)]
    assert speeds == expected
    assert tx.report.outcome is Outcome.TRAINING_FAILED


def test_late_cfr_within_t4_is_taken():
    tx = new_tx()
    to_wait_cfr(tx, at=1.0)  # waiting since 2.8
    assert line(tx.handle(far(2.8 + T4_S - 0.1, FCF.CFR))) == ev.SendSilence(75)


def test_no_answer_to_dcs_repeats_it_then_gives_up():
    tx = new_tx()
    to_wait_cfr(tx)
    for n in range(2):
        act = line(tx.handle(ev.LinkFailed(6.0 + 4 * n, ev.LinkFailure.TIMEOUT)))
        assert sent_fcfs(act) == [FCF.TSI, FCF.DCS]
        line(tx.handle(ev.FramesSent(6.1 + 4 * n)))
        line(tx.handle(ev.SilenceDone(6.2 + 4 * n)))
        line(tx.handle(ev.ImageSent(6.3 + 4 * n)))
    act = line(tx.handle(ev.LinkFailed(20.0, ev.LinkFailure.TIMEOUT)))
    assert sent_fcfs(act) == [FCF.DCN]
    assert tx.report.outcome is Outcome.PROTOCOL_TIMEOUT and tx.report.phase.value == "E"


def test_bad_fcs_final_response_repeats_command_at_once():
    tx = new_tx()
    to_wait_cfr(tx)
    act = line(tx.handle(far(4.0, FCF.CFR, fcs_ok=False)))
    assert sent_fcfs(act) == [FCF.TSI, FCF.DCS]


def test_bad_fcs_frame_that_is_not_final_is_skipped():
    tx = new_tx()
    to_wait_cfr(tx)  # the far end repeats NSF(bad) + DIS
    act = line(tx.handle(far(4.0, FCF.NSF, b"\x00", final=False, fcs_ok=False)))
    assert isinstance(act, ev.ReceiveFrame) and act.timeout_s < T4_S


def test_our_own_dcs_echoed_is_ignored():
    tx = new_tx()
    dcs = to_wait_cfr(tx)
    from faxgw.t30.link import ReceivedFrame
    for frame in dcs.frames:
        assert isinstance(line(tx.handle(ev.FrameReceived(3.0, ReceivedFrame(frame)))),
                          ev.ReceiveFrame)
    assert line(tx.handle(far(3.2, FCF.CFR))) == ev.SendSilence(75)


def test_wrong_carrier_is_relistened_within_t4_then_treated_as_silence():
    tx = new_tx()
    to_wait_cfr(tx)  # waiting since 2.8, T4 ends 5.8
    act = line(tx.handle(ev.LinkFailed(3.0, ev.LinkFailure.WRONG_CARRIER)))
    # let the carrier that was not V.21 end (+FRS) before listening again
    assert act == ev.ReceiveFrame(pytest.approx(2.8), 75)
    act = line(tx.handle(ev.LinkFailed(5.9, ev.LinkFailure.WRONG_CARRIER)))
    assert sent_fcfs(act) == [FCF.TSI, FCF.DCS]  # T4 used up: repeat the command


def test_crp_repeats_the_last_command():
    tx = new_tx(1)
    to_wait_cfr(tx)
    line(tx.handle(far(4.0, FCF.CFR)))
    assert to_page_sent(tx, 4.1) is FCF.EOP
    act = line(tx.handle(far(7.0, FCF.CRP)))
    assert sent_fcfs(act) == [FCF.EOP]


def test_mps_unanswered_three_times_is_a_protocol_timeout():
    tx = new_tx(2)
    to_wait_cfr(tx)
    line(tx.handle(far(4.0, FCF.CFR)))
    to_page_sent(tx, 4.1)
    for n in range(2):
        assert sent_fcfs(line(tx.handle(ev.LinkFailed(9 + n * 4, ev.LinkFailure.TIMEOUT)))) \
            == [FCF.MPS]
        line(tx.handle(ev.FramesSent(9.2 + n * 4)))
    assert sent_fcfs(line(tx.handle(ev.LinkFailed(20, ev.LinkFailure.TIMEOUT)))) == [FCF.DCN]
    assert tx.report.outcome is Outcome.PROTOCOL_TIMEOUT
    assert tx.report.pages[0].outcome is PageOutcome.UNCONFIRMED


def test_eop_unanswered_is_its_own_outcome():
    tx = new_tx(1)
    to_wait_cfr(tx)
    line(tx.handle(far(4.0, FCF.CFR)))
    to_page_sent(tx, 4.1)
    for n in range(2):
        line(tx.handle(ev.LinkFailed(9 + n * 4, ev.LinkFailure.TIMEOUT)))
        line(tx.handle(ev.FramesSent(9.2 + n * 4)))
    line(tx.handle(ev.LinkFailed(20, ev.LinkFailure.TIMEOUT)))
    assert line(tx.handle(ev.FramesSent(20.3))).outcome is Outcome.EOP_UNANSWERED
    assert tx.report.pages_confirmed == 0


def test_line_dropped_waiting_for_eop_answer_is_eop_unanswered():
    tx = new_tx(1)
    to_wait_cfr(tx)
    line(tx.handle(far(4.0, FCF.CFR)))
    to_page_sent(tx, 4.1)
    act = line(tx.handle(ev.LinkFailed(7.0, ev.LinkFailure.LINE_DROPPED)))
    assert act.outcome is Outcome.EOP_UNANSWERED


def test_rtn_retrains_lower_and_resends_the_same_page_then_gives_up():
    tx = new_tx(2)
    to_wait_cfr(tx)
    line(tx.handle(far(4.0, FCF.CFR)))
    to_page_sent(tx, 4.1)
    speeds = []
    for n in range(2):
        actions = tx.handle(far(8.0 + n, FCF.RTN))
        assert not of_type(actions, ev.PageConfirmed)
        speeds.append(sent_dcs(line(actions)).modulation)
        line(tx.handle(ev.FramesSent(8.1)))
        line(tx.handle(ev.SilenceDone(8.2)))
        line(tx.handle(ev.ImageSent(8.3)))
        line(tx.handle(far(8.5, FCF.CFR)))
        send = line(tx.handle(ev.SilenceDone(8.6)))
        assert isinstance(send, ev.SendPage) and send.index == 0
        line(tx.handle(ev.ImageSent(9)))
        line(tx.handle(ev.SilenceDone(9.1)))
        line(tx.handle(ev.FramesSent(9.2)))
    assert speeds == [M.V17_12000, M.V17_9600]
    assert sent_fcfs(line(tx.handle(far(12.0, FCF.RTN)))) == [FCF.DCN]
    assert tx.report.outcome is Outcome.PAGE_REJECTED
    page = tx.report.pages[0]
    assert (page.outcome, page.attempts, page.retrains) == (PageOutcome.REJECTED, 3, 3)


def test_rtp_confirms_the_page_and_retrains_before_the_next():
    tx = new_tx(2)
    to_wait_cfr(tx)
    line(tx.handle(far(4.0, FCF.CFR)))
    to_page_sent(tx, 4.1)
    actions = tx.handle(far(8.0, FCF.RTP))
    assert of_type(actions, ev.PageConfirmed) == [ev.PageConfirmed(0)]
    assert sent_dcs(line(actions)).modulation is M.V17_14400
    assert tx.report.pages[0].outcome is PageOutcome.CONFIRMED_RETRAIN


def test_pip_counts_as_confirmed_and_pin_as_refused():
    tx = new_tx(2)
    to_wait_cfr(tx)
    line(tx.handle(far(4.0, FCF.CFR)))
    to_page_sent(tx, 4.1)
    assert of_type(tx.handle(far(8.0, FCF.PIP)), ev.PageConfirmed) == [ev.PageConfirmed(0)]
    to_page_sent(tx, 8.1)
    assert sent_fcfs(line(tx.handle(far(12.0, FCF.PIN))))[-1] is FCF.DCS


def test_dcn_after_page_is_far_end_hang_up_with_pages_counted():
    tx = new_tx(3)
    to_wait_cfr(tx)
    line(tx.handle(far(4.0, FCF.CFR)))
    to_page_sent(tx, 4.1)
    line(tx.handle(far(8.0, FCF.MCF)))
    to_page_sent(tx, 8.1)
    act = line(tx.handle(far(12.0, FCF.DCN)))
    assert act.outcome is Outcome.FAR_END_HUNG_UP
    assert tx.report.pages_confirmed == 1


def test_t1_without_dis_is_no_fax_at_far_end_and_sends_nothing():
    tx = new_tx()
    line(tx.handle(ev.Start(0.0)))
    act = line(tx.handle(ev.LinkFailed(20.0, ev.LinkFailure.TIMEOUT)))
    assert act == ev.ReceiveFrame(pytest.approx(T1_S - 20.0))
    act = line(tx.handle(ev.LinkFailed(T1_S, ev.LinkFailure.TIMEOUT)))
    assert act.outcome is Outcome.NO_FAX_AT_FAR_END and tx.last_sent == ()


def test_a_data_modem_answering_is_recognised_without_spinning():
    tx = new_tx()
    line(tx.handle(ev.Start(0.0)))
    for n in range(MAX_NOISE_BEFORE_DIS):
        assert isinstance(line(tx.handle(ev.LinkFailed(0.1 * n, ev.LinkFailure.WRONG_CARRIER))),
                          ev.ReceiveFrame)
    act = line(tx.handle(ev.LinkFailed(2.0, ev.LinkFailure.WRONG_CARRIER)))
    assert act.outcome is Outcome.NO_FAX_AT_FAR_END


def test_far_end_that_cannot_receive_is_incompatible():
    tx = new_tx()
    line(tx.handle(ev.Start(0.0)))
    act = line(tx.handle(far(1.0, FCF.DIS, bytes([0x00, 0x00, 0x00]))))  # bit 10 clear
    assert sent_fcfs(act) == [FCF.DCN]
    assert tx.report.outcome is Outcome.INCOMPATIBLE


def test_v29_far_end_starts_at_9600():
    tx = new_tx()
    dcs = to_wait_cfr(tx, dis=DIS_V29)
    assert sent_dcs(dcs).modulation is M.V29_9600


def test_modem_fault_anywhere_ends_the_session():
    tx = new_tx()
    to_wait_cfr(tx)
    assert line(tx.handle(ev.LinkFailed(4.0, ev.LinkFailure.MODEM_FAULT))).outcome \
        is Outcome.MODEM_FAULT


def test_an_event_the_state_does_not_take_is_a_runner_bug():
    tx = new_tx()
    line(tx.handle(ev.Start(0.0)))
    with pytest.raises(UnexpectedEvent):
        tx.handle(ev.ImageSent(1.0))


def test_abort_from_the_runner():
    tx = new_tx()
    to_wait_cfr(tx)
    line(tx.handle(far(4.0, FCF.CFR)))
    line(tx.handle(ev.SilenceDone(4.1)))  # the runner was asked for page 1...
    act = line(tx.handle(ev.Abort(4.2, Outcome.DOCUMENT_ERROR, "page 1: broken")))
    assert sent_fcfs(act) == [FCF.DCN]  # ...could not make it: DCN, then the end
    assert line(tx.handle(ev.FramesSent(4.5))) == ev.Finish(Outcome.DOCUMENT_ERROR,
                                                            "page 1: broken")


def test_abort_where_no_dcn_fits_ends_at_once():
    tx = new_tx()
    line(tx.handle(ev.Start(0.0)))
    act = line(tx.handle(ev.Abort(1.0, Outcome.DOCUMENT_ERROR, "x")))
    assert act == ev.Finish(Outcome.DOCUMENT_ERROR, "x")


def test_carrier_lost_while_sending_a_page_ends_the_call_far_end_hung_up():
    """Regression (found by the scheduler's line-drop test on hw-sim): the link's carrier
    loss during page data reached the engine in T_SEND_PAGE, which had no handler, and
    the session died with UnexpectedEvent instead of a result."""
    tx = new_tx(3)
    to_wait_cfr(tx)
    assert line(tx.handle(far(3.5, FCF.CFR))) == ev.SendSilence(75)
    assert to_page_sent(tx, 3.6) is FCF.MPS
    line(tx.handle(far(8.0, FCF.MCF)))
    assert isinstance(line(tx.handle(ev.SilenceDone(8.1))), ev.SendPage)
    actions = tx.handle(ev.LinkFailed(9.0, ev.LinkFailure.CARRIER_LOST))
    assert actions[-1] == ev.Finish(Outcome.FAR_END_HUNG_UP, actions[-1].detail)
    assert tx.report.pages_confirmed == 1 and tx.state is State.DONE


def test_frames_after_hearing_the_far_end_wait_75_ms_of_silence_first():
    tx = new_tx(1)
    line(tx.handle(ev.Start(0.0)))
    dcs = line(tx.handle(far(1.0, FCF.DIS, DIS_V17)))
    assert dcs.wait_silence_ms == 75  # T.30 5.3.2.4: after DIS, before DCS
    line(tx.handle(ev.FramesSent(1.2)))
    line(tx.handle(ev.SilenceDone(1.3)))
    line(tx.handle(ev.ImageSent(2.8)))
    line(tx.handle(far(3.0, FCF.CFR)))
    line(tx.handle(ev.SilenceDone(3.1)))
    line(tx.handle(ev.ImageSent(5.0)))
    line(tx.handle(ev.SilenceDone(5.1)))  # +FTS already kept the line silent before EOP
    assert tx.last_sent and tx.state is State.T_SEND_PPM
    line(tx.handle(ev.FramesSent(5.3)))
    again = line(tx.handle(ev.LinkFailed(8.5, ev.LinkFailure.TIMEOUT)))
    assert sent_fcfs(again) == [FCF.EOP] and again.wait_silence_ms == 0  # nothing heard


def test_no_carrier_while_sending_the_page_is_the_line_gone():
    tx = new_tx(2)
    to_wait_cfr(tx)
    line(tx.handle(far(4.0, FCF.CFR)))
    line(tx.handle(ev.SilenceDone(4.1)))
    act = line(tx.handle(ev.LinkFailed(5.0, ev.LinkFailure.CARRIER_LOST)))
    assert act.outcome is Outcome.FAR_END_HUNG_UP


def test_a_send_that_times_out_is_a_modem_fault():
    tx = new_tx(2)
    to_wait_cfr(tx)
    line(tx.handle(far(4.0, FCF.CFR)))
    line(tx.handle(ev.SilenceDone(4.1)))
    act = line(tx.handle(ev.LinkFailed(5.0, ev.LinkFailure.TIMEOUT)))
    assert act.outcome is Outcome.MODEM_FAULT


def test_dis_with_bad_fcs_is_skipped_and_the_repeated_dis_taken():
    tx = new_tx()
    line(tx.handle(ev.Start(0.0)))
    act = line(tx.handle(far(1.0, FCF.DIS, DIS_V17, fcs_ok=False)))
    assert isinstance(act, ev.ReceiveFrame) and tx.state is State.T_WAIT_DIS
    assert sent_fcfs(line(tx.handle(far(4.5, FCF.DIS, DIS_V17)))) == [FCF.TSI, FCF.DCS]


def test_a_garbled_dis_field_is_waited_past():
    tx = new_tx()
    line(tx.handle(ev.Start(0.0)))
    act = line(tx.handle(far(1.0, FCF.DIS, b"\x00")))  # too short to be a DIS
    assert isinstance(act, ev.ReceiveFrame) and tx.remote is None


def test_tcf_goes_with_long_training_and_pages_with_short_training_on_v17_only():
    tx = new_tx(1)
    tcf = None
    line(tx.handle(ev.Start(0.0)))
    line(tx.handle(far(1.0, FCF.DIS, DIS_V17)))
    line(tx.handle(ev.FramesSent(1.2)))
    tcf = line(tx.handle(ev.SilenceDone(1.3)))
    assert tcf.modulation is M.V17_14400
    line(tx.handle(ev.ImageSent(2.8)))
    line(tx.handle(far(3.0, FCF.CFR)))
    assert line(tx.handle(ev.SilenceDone(3.1))).modulation is M.V17_14400_SHORT
    tx = new_tx(1)
    to_wait_cfr(tx, dis=DIS_V29)
    line(tx.handle(far(3.0, FCF.CFR)))
    assert line(tx.handle(ev.SilenceDone(3.1))).modulation is M.V29_9600
