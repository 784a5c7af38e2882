"""The transmitter, frame by frame: what a call's options change (start speed, ECM off,
the recipient check before any page), and the smaller ECM gaps (EOM for a new document,
PIP and PIN at the end of a page, a page unanswered when the line drops)."""

from dataclasses import replace

from faxgw.outcome import Outcome
from faxgw.session import (CallOptions, Coding, PageOutcome, PageResult, RemoteStation,
                           Resolution)
from faxgw.session import WIDTH_A4_PX, WIDTH_B4_PX
from faxgw.t30 import events as ev
from faxgw.t30.dis import DisCapabilities
from faxgw.t30.ecm import PartialPageSignal
from faxgw.t30.frames import FCF, parse_frame
from faxgw.t30.link import Modulation as M
from faxgw.t30.negotiate import LocalCapabilities
from faxgw.t30.states import State
from faxgw.t30.transmitter import Transmitter

from tests.unit.t30.steps import far, ident_frame, line, of_type, sent_dcs, sent_fcfs
from tests.unit.t30.test_ecm import DIS_ECM, ECM_LOCAL, answer, to_first_block, to_pps
from tests.unit.t30.test_transmitter import DIS_V17, to_page_sent, to_wait_cfr

LOCAL = LocalCapabilities(ident="+1 555 0100")
# DIS of an ECM machine that also takes B4 width.
DIS_ECM_B4 = replace(DisCapabilities.decode(DIS_ECM), widths=(WIDTH_A4_PX, WIDTH_B4_PX)).encode()


# --- start speed and ECM from what was learned ------------------------------------------

def test_a_learned_start_speed_makes_the_first_dcs_train_there_and_fall_back_below():
    tx = Transmitter(LOCAL, 1, options=CallOptions(max_bit_rate=9600))
    dcs = sent_dcs(to_wait_cfr(tx))
    assert dcs.modulation.bit_rate == 9600
    for _ in range(3):  # three FTTs at 9600, then the next lower speed
        action = line(tx.handle(far(4.0, FCF.FTT)))
        line(tx.handle(ev.FramesSent(4.2)))
        line(tx.handle(ev.SilenceDone(4.3)))
        line(tx.handle(ev.ImageSent(5.8)))
    assert sent_dcs(action).modulation.bit_rate in (9600, 7200)
    assert tx.dcs.modulation.bit_rate == 7200
    assert tx.report.failed_trainings == {"V.17 9600": 3}


def test_without_options_the_first_training_is_at_the_top_and_ftts_are_counted():
    tx = Transmitter(LOCAL, 1)
    assert sent_dcs(to_wait_cfr(tx)).modulation is M.V17_14400
    line(tx.handle(far(4.0, FCF.FTT)))
    assert tx.report.failed_trainings == {"V.17 14400": 1}


def test_a_start_speed_below_every_common_speed_trains_at_the_slowest():
    tx = Transmitter(LOCAL, 1, options=CallOptions(max_bit_rate=1200))
    assert sent_dcs(to_wait_cfr(tx)).modulation.bit_rate == 2400


def test_ecm_off_for_the_call_sends_the_page_without_ecm_to_a_far_end_that_offers_it():
    tx = Transmitter(ECM_LOCAL, 1, options=CallOptions(ecm=False))
    dcs = sent_dcs(to_wait_cfr(tx, dis=DIS_ECM))
    assert not dcs.ecm and dcs.coding is Coding.MR
    with_ecm = Transmitter(ECM_LOCAL, 1)
    assert sent_dcs(to_wait_cfr(with_ecm, dis=DIS_ECM)).ecm  # the option is what changed it


# --- the recipient check -----------------------------------------------------------------

def test_a_refused_recipient_gets_dcn_before_any_training_or_page():
    seen: list[RemoteStation] = []

    def check(station: RemoteStation) -> str | None:
        seen.append(station)
        return f"expected +15550199, answered by {station.ident}"

    tx = Transmitter(LOCAL, 2, options=CallOptions(check_recipient=check))
    line(tx.handle(ev.Start(0.0)))
    line(tx.handle(far(1.0, FCF.NSF, b"\xb5\x00\x51", final=False)))
    line(tx.handle(ident_frame(1.1, FCF.CSI, "+44 20 7946")))
    actions = tx.handle(far(1.2, FCF.DIS, DIS_V17))
    assert sent_fcfs(line(actions)) == [FCF.DCN]  # no TSI/DCS, no TCF
    assert not of_type(actions, ev.PreparePages)
    assert seen == [RemoteStation("+44 20 7946", b"\xb5\x00\x51", tuple(seen[0].capabilities))]
    assert "V.17 14400" in seen[0].capabilities and "fine" in seen[0].capabilities
    assert line(tx.handle(ev.FramesSent(1.5))) == ev.Finish(
        Outcome.RECIPIENT_MISMATCH, "expected +15550199, answered by +44 20 7946")
    assert tx.report.trainings == 0
    assert [p.outcome for p in tx.report.pages] == [PageOutcome.NOT_SENT] * 2


def test_an_accepted_recipient_goes_on_to_train_and_a_failing_check_refuses():
    tx = Transmitter(LOCAL, 1, options=CallOptions(check_recipient=lambda s: None))
    assert sent_dcs(to_wait_cfr(tx)).modulation is M.V17_14400

    def broken(station):
        raise KeyError("pinned")

    tx = Transmitter(LOCAL, 1, options=CallOptions(check_recipient=broken))
    line(tx.handle(ev.Start(0.0)))
    assert sent_fcfs(line(tx.handle(far(1.0, FCF.DIS, DIS_V17)))) == [FCF.DCN]
    assert tx.report.outcome is Outcome.RECIPIENT_MISMATCH
    assert "recipient check failed" in tx.report.detail


# --- PIP / PIN under ECM -------------------------------------------------------------------

def test_pip_to_pps_eop_confirms_the_page_under_ecm():
    tx = Transmitter(ECM_LOCAL, 1)
    to_first_block(tx, bytes(300))
    to_pps(tx, 4.0)
    actions = answer(tx, 4.5, FCF.PIP)
    assert of_type(actions, ev.PageConfirmed) == [ev.PageConfirmed(0)]
    assert sent_fcfs(line(actions)) == [FCF.DCN]
    line(tx.handle(ev.FramesSent(5.0)))
    assert tx.report.outcome is Outcome.SUCCESS
    assert tx.report.pages[0].outcome is PageOutcome.CONFIRMED


def test_pin_to_pps_mps_rejects_the_page_and_the_fax_ends_page_rejected():
    tx = Transmitter(ECM_LOCAL, 2)
    to_first_block(tx, bytes(300))
    to_pps(tx, 4.0)
    actions = answer(tx, 4.5, FCF.PIN)
    assert not of_type(actions, ev.PageConfirmed)
    assert tx.report.pages[0].outcome is PageOutcome.REJECTED
    assert isinstance(line(actions), ev.SendSilence)  # on to page 2
    fetch = line(tx.handle(ev.SilenceDone(5.0)))
    assert isinstance(fetch, ev.FetchPage) and fetch.index == 1
    line(tx.handle(ev.PageFetched(5.1, 1, bytes(10))))
    to_pps(tx, 6.0)
    actions = answer(tx, 6.5, FCF.MCF)
    assert of_type(actions, ev.PageConfirmed) == [ev.PageConfirmed(1)]
    line(tx.handle(ev.FramesSent(7.0)))
    assert tx.report.outcome is Outcome.PAGE_REJECTED


def test_pip_and_pin_inside_a_page_are_not_taken_for_an_answer():
    tx = Transmitter(ECM_LOCAL, 1)
    to_first_block(tx, bytes(256 * 300))  # two partial pages: the first ends PPS-NULL
    assert PartialPageSignal.decode(parse_frame(to_pps(tx, 4.0).frames[0]).fif).command is None
    actions = answer(tx, 4.5, FCF.PIP)
    assert not of_type(actions, ev.PageConfirmed)
    assert tx.state is State.T_WAIT_PPS_RESPONSE  # listening again for a real answer


# --- EOM: a new document changes the mode -------------------------------------------------

def test_a_page_of_another_width_is_a_new_document_eom_then_dis_then_new_dcs_under_ecm():
    modes = [(Resolution.FINE, WIDTH_A4_PX), (Resolution.FINE, WIDTH_B4_PX)]
    local = LocalCapabilities(ecm=True, widths=(WIDTH_A4_PX, WIDTH_B4_PX))
    tx = Transmitter(local, 2, page_modes=modes)
    to_first_block(tx, bytes(300), dis=DIS_ECM_B4)
    assert tx.dcs.width_px == WIDTH_A4_PX
    pps = PartialPageSignal.decode(parse_frame(to_pps(tx, 4.0).frames[0]).fif)
    assert pps.command is FCF.EOM
    actions = answer(tx, 4.5, FCF.MCF)
    assert of_type(actions, ev.PageConfirmed) == [ev.PageConfirmed(0)]
    assert isinstance(line(actions), ev.ReceiveFrame) and tx.state is State.T_WAIT_DIS
    dcs = sent_dcs(line(tx.handle(far(6.0, FCF.DIS, DIS_ECM_B4))))
    assert dcs.width_px == WIDTH_B4_PX and dcs.ecm
    line(tx.handle(ev.FramesSent(6.3)))
    line(tx.handle(ev.SilenceDone(6.4)))
    line(tx.handle(ev.ImageSent(8.0)))
    line(tx.handle(far(8.5, FCF.CFR)))
    fetch = line(tx.handle(ev.SilenceDone(8.6)))
    assert fetch.index == 1 and fetch.fmt.width_px == WIDTH_B4_PX
    line(tx.handle(ev.PageFetched(8.7, 1, bytes(10))))
    pps = PartialPageSignal.decode(parse_frame(to_pps(tx, 9.0).frames[0]).fif)
    assert pps.command is FCF.EOP and pps.page == 1
    actions = answer(tx, 9.5, FCF.MCF)
    line(tx.handle(ev.FramesSent(10.0)))
    assert tx.report.outcome is Outcome.SUCCESS and tx.report.pages_confirmed == 2


def test_pages_of_one_mode_go_with_mps_and_another_resolution_gets_eom_without_ecm():
    modes = [(Resolution.FINE, WIDTH_A4_PX), (Resolution.STANDARD, WIDTH_A4_PX)]
    tx = Transmitter(LOCAL, 2, page_modes=modes)
    to_wait_cfr(tx)
    line(tx.handle(far(3.5, FCF.CFR)))
    assert to_page_sent(tx, 3.6) is FCF.EOM
    line(tx.handle(far(8.0, FCF.MCF)))
    assert tx.state is State.T_WAIT_DIS
    assert sent_dcs(line(tx.handle(far(9.0, FCF.DIS, DIS_V17)))).resolution \
        is Resolution.STANDARD


# --- unanswered when the line drops ----------------------------------------------------------

def test_a_page_whose_mps_went_unanswered_when_the_line_dropped_is_unconfirmed():
    tx = Transmitter(LOCAL, 3)
    to_wait_cfr(tx)
    line(tx.handle(far(3.5, FCF.CFR)))
    assert to_page_sent(tx, 3.6) is FCF.MPS
    finish = line(tx.handle(ev.LinkFailed(6.0, ev.LinkFailure.LINE_DROPPED)))
    assert isinstance(finish, ev.Finish)
    assert [p.outcome for p in tx.report.pages] == [
        PageOutcome.UNCONFIRMED, PageOutcome.NOT_SENT, PageOutcome.NOT_SENT]


def test_an_ecm_page_whose_pps_mps_went_unanswered_when_the_line_dropped_is_unconfirmed():
    tx = Transmitter(ECM_LOCAL, 2)
    to_first_block(tx, bytes(300))
    to_pps(tx, 4.0)
    line(tx.handle(ev.FramesSent(4.3)))
    line(tx.handle(ev.LinkFailed(6.0, ev.LinkFailure.LINE_DROPPED)))
    assert [p.outcome for p in tx.report.pages] == [PageOutcome.UNCONFIRMED,
                                                   PageOutcome.NOT_SENT]


def test_a_page_refused_with_rtn_then_the_line_dropped_is_not_unconfirmed():
    tx = Transmitter(LOCAL, 1)
    to_wait_cfr(tx)
    line(tx.handle(far(3.5, FCF.CFR)))
    to_page_sent(tx, 3.6)
    line(tx.handle(far(8.0, FCF.RTN)))  # answered: not accepted; retraining
    line(tx.handle(ev.LinkFailed(8.5, ev.LinkFailure.LINE_DROPPED)))
    assert tx.report.pages[0].outcome is PageOutcome.NOT_SENT


def test_pages_a_driver_adds_as_it_goes_keep_the_last_mode_and_go_with_mps():
    # hw-sim's Class 2 firmware starts a one-page transmitter and adds pages as the DTE
    # sends them: the post-page command must not look past the modes it was given.
    tx = Transmitter(LOCAL, 1)
    tx.report.pages.append(PageResult(index=1))
    assert tx.post_page_command() is FCF.MPS
    tx.page = 1
    assert tx.post_page_command() is FCF.EOP
