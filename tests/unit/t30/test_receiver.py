"""The answering receiver, frame by frame, branch by branch."""

import pytest

from faxgw.outcome import Outcome
from faxgw.session import Coding, PageOutcome, Resolution
from faxgw.t30 import events as ev
from faxgw.t30.dis import DcsSettings, page_modulation
from faxgw.t30.frames import FCF
from faxgw.t30.link import Modulation as M, ReceivedFrame
from faxgw.t30.negotiate import LocalCapabilities, PageQuality
from faxgw.t30.receiver import Receiver
from faxgw.t30.timers import T1_S, T2_S, T4_S

from tests.unit.t30.steps import far, ident_frame, line, of_type, sent_dis, sent_fcfs

GOOD = PageQuality(1000, 0, 0)
MARGINAL = PageQuality(1000, 50, 3)
TORN = PageQuality(1000, 300, 80)


def dcs_fif(modulation=M.V17_14400, resolution=Resolution.FINE) -> bytes:
    return DcsSettings(modulation=modulation, resolution=resolution, coding=Coding.MR,
                       min_scan_ms=0).encode()


def new_rx() -> Receiver:
    return Receiver(LocalCapabilities(ident="+44 20 7946"))


def to_page(rx: Receiver, at: float = 1.0, modulation=M.V17_14400):
    """DIS sent, TSI + DCS received, good TCF, CFR sent: now receiving the page."""
    line(rx.handle(ev.Start(0.0)))
    line(rx.handle(ev.FramesSent(0.5)))
    line(rx.handle(ident_frame(at, FCF.TSI, "+1 555 0100")))
    tcf = line(rx.handle(far(at + 0.1, FCF.DCS, dcs_fif(modulation), x_bit=True)))
    assert tcf == ev.ReceiveImage(modulation, T4_S, "tcf")
    cfr = line(rx.handle(ev.ImageReceived(at + 1.7, bytes(modulation.bit_rate * 3 // 16))))
    assert sent_fcfs(cfr) == [FCF.CFR]
    # pages come with V.17's short training (the long one trained for TCF)
    page = ev.ReceiveImage(page_modulation(modulation), T2_S, "page")
    assert line(rx.handle(ev.FramesSent(at + 2.0))) == page


def page_then(rx: Receiver, at: float, ppm: FCF, quality: PageQuality):
    """One page arrives, then ``ppm``; returns (marker, response action)."""
    actions = rx.handle(ev.ImageReceived(at, b"page data"))
    decode = of_type(actions, ev.DecodePage)[0]
    assert line(actions) == ev.ReceiveFrame(T2_S)
    wait = line(rx.handle(far(at + 0.2, ppm, x_bit=True)))
    assert wait == ev.AwaitPageQuality(decode.index)
    actions = rx.handle(ev.PageQualityKnown(at + 0.3, decode.index, quality))
    return actions[0], line(actions)


def test_dis_says_what_we_can_and_two_pages_arrive():
    rx = new_rx()
    dis = line(rx.handle(ev.Start(0.0)))
    assert sent_fcfs(dis) == [FCF.CSI, FCF.DIS]
    assert sent_dis(dis).modulations[0] is M.V17_14400 and sent_dis(dis).superfine
    to_page_resume = rx  # already started: continue by hand
    line(to_page_resume.handle(ev.FramesSent(0.5)))
    line(rx.handle(ident_frame(1.0, FCF.TSI, "+1 555 0100")))
    line(rx.handle(far(1.1, FCF.DCS, dcs_fif(), x_bit=True)))
    line(rx.handle(ev.ImageReceived(2.7, bytes(2700))))
    line(rx.handle(ev.FramesSent(3.0)))
    marker, mcf = page_then(rx, 10.0, FCF.MPS, GOOD)
    assert marker == ev.KeepPage(0) and sent_fcfs(mcf) == [FCF.MCF]
    assert mcf.frames[0][2] == 0x8C  # no X bit: we sent the DIS
    assert line(rx.handle(ev.FramesSent(10.6))) == ev.ReceiveImage(M.V17_14400_SHORT, T2_S, "page")
    marker, mcf = page_then(rx, 20.0, FCF.EOP, GOOD)
    assert marker == ev.KeepPage(1)
    assert line(rx.handle(ev.FramesSent(20.6))) == ev.ReceiveFrame(T2_S)
    assert line(rx.handle(far(21.0, FCF.DCN, x_bit=True))).outcome is Outcome.SUCCESS
    assert rx.report.remote_ident == "+1 555 0100"
    assert rx.report.pages_confirmed == 2 and rx.report.dcs.resolution is Resolution.FINE


def test_bad_tcf_gets_ftt_and_the_next_dcs_is_trained_again():
    rx = new_rx()
    line(rx.handle(ev.Start(0.0)))
    line(rx.handle(ev.FramesSent(0.5)))
    line(rx.handle(far(1.0, FCF.DCS, dcs_fif(), x_bit=True)))
    noisy = (bytes(500) + b"\x01") * 5
    assert sent_fcfs(line(rx.handle(ev.ImageReceived(2.6, noisy)))) == [FCF.FTT]
    assert line(rx.handle(ev.FramesSent(2.8))) == ev.ReceiveFrame(T2_S)
    tcf = line(rx.handle(far(3.0, FCF.DCS, dcs_fif(M.V17_12000), x_bit=True)))
    assert tcf.modulation is M.V17_12000
    assert sent_fcfs(line(rx.handle(ev.ImageReceived(4.6, bytes(2250))))) == [FCF.CFR]
    assert rx.report.trainings == 2


def test_no_tcf_carrier_gets_ftt():
    rx = new_rx()
    line(rx.handle(ev.Start(0.0)))
    line(rx.handle(ev.FramesSent(0.5)))
    line(rx.handle(far(1.0, FCF.DCS, dcs_fif(), x_bit=True)))
    act = line(rx.handle(ev.LinkFailed(4.0, ev.LinkFailure.WRONG_CARRIER)))
    assert sent_fcfs(act) == [FCF.FTT]


def test_torn_page_gets_rtn_and_is_discarded():
    rx = new_rx()
    to_page(rx)
    marker, rtn = page_then(rx, 10.0, FCF.MPS, TORN)
    assert marker == ev.DiscardPage(0) and sent_fcfs(rtn) == [FCF.RTN]
    assert line(rx.handle(ev.FramesSent(10.6))) == ev.ReceiveFrame(T2_S)  # DCS follows
    assert rx.report.pages[0].outcome is PageOutcome.REJECTED


def test_marginal_page_gets_rtp_and_is_kept():
    rx = new_rx()
    to_page(rx)
    marker, rtp = page_then(rx, 10.0, FCF.MPS, MARGINAL)
    assert marker == ev.KeepPage(0) and sent_fcfs(rtp) == [FCF.RTP]
    assert isinstance(line(rx.handle(ev.FramesSent(10.6))), ev.ReceiveFrame)


def test_garbled_command_gets_crp_and_the_repeat_is_taken():
    rx = new_rx()
    to_page(rx)
    line(rx.handle(ev.ImageReceived(10.0, b"page data")))
    crp = line(rx.handle(far(10.2, FCF.MPS, fcs_ok=False)))
    assert sent_fcfs(crp) == [FCF.CRP]
    assert line(rx.handle(ev.FramesSent(10.4))) == ev.ReceiveFrame(T4_S)
    assert line(rx.handle(far(10.6, FCF.MPS, x_bit=True))) == ev.AwaitPageQuality(0)


def test_repeated_ppm_after_our_mcf_was_lost_gets_mcf_again():
    rx = new_rx()
    to_page(rx)
    page_then(rx, 10.0, FCF.MPS, GOOD)
    line(rx.handle(ev.FramesSent(10.6)))  # now waiting for page 2's carrier...
    # ...V.21 instead, T4 after our MCF: the sender repeats MPS
    act = line(rx.handle(ev.LinkFailed(10.6 + T4_S, ev.LinkFailure.WRONG_CARRIER)))
    assert isinstance(act, ev.ReceiveFrame)
    again = line(rx.handle(far(13.7, FCF.MPS, x_bit=True)))
    assert sent_fcfs(again) == [FCF.MCF]
    assert line(rx.handle(ev.FramesSent(13.9))) == ev.ReceiveImage(M.V17_14400_SHORT, T2_S, "page")
    assert len(rx.report.pages) == 1


def test_crp_from_the_sender_after_our_cfr_repeats_cfr():
    rx = new_rx()
    to_page(rx)  # CFR sent at 3.0; the sender answers CRP after its T4 ran out
    line(rx.handle(ev.LinkFailed(3.0 + T4_S, ev.LinkFailure.WRONG_CARRIER)))
    act = line(rx.handle(far(6.1, FCF.CRP, x_bit=True)))
    assert sent_fcfs(act) == [FCF.CFR]
    assert line(rx.handle(ev.FramesSent(6.3))).purpose == "page"


def test_v21_right_after_our_cfr_is_echo_and_we_keep_listening_for_the_page():
    rx = new_rx()
    to_page(rx)  # page wait started at 3.0, T2 until 3.0 + T2_S
    act = line(rx.handle(ev.LinkFailed(3.1, ev.LinkFailure.WRONG_CARRIER)))
    assert act == ev.ReceiveImage(M.V17_14400_SHORT, pytest.approx(T2_S - 0.1), "page")
    actions = rx.handle(ev.ImageReceived(5.0, b"page data"))
    assert of_type(actions, ev.DecodePage)[0].index == 0


def test_echo_relistens_for_the_page_are_bounded():
    rx = new_rx()
    to_page(rx)
    for n in range(4):
        assert isinstance(line(rx.handle(ev.LinkFailed(3.1 + n * 0.1,
                                                       ev.LinkFailure.WRONG_CARRIER))),
                          ev.ReceiveImage)
    assert isinstance(line(rx.handle(ev.LinkFailed(3.6, ev.LinkFailure.WRONG_CARRIER))),
                      ev.ReceiveFrame)


def test_dis_repeated_until_t1_then_no_fax():
    rx = new_rx()
    line(rx.handle(ev.Start(0.0)))
    at = 0.5
    repeats = 0
    while True:
        line(rx.handle(ev.FramesSent(at)))
        at += T4_S
        act = line(rx.handle(ev.LinkFailed(at, ev.LinkFailure.TIMEOUT)))
        if isinstance(act, ev.Finish):
            break
        assert sent_fcfs(act) == [FCF.CSI, FCF.DIS]
        repeats += 1
    assert act.outcome is Outcome.NO_FAX_AT_FAR_END
    assert repeats == int((T1_S - 0.5) // T4_S)


def test_our_dis_echoed_is_ignored():
    rx = new_rx()
    dis = line(rx.handle(ev.Start(0.0)))
    line(rx.handle(ev.FramesSent(0.5)))
    for frame in dis.frames:
        assert isinstance(line(rx.handle(ev.FrameReceived(0.6, ReceivedFrame(frame)))),
                          ev.ReceiveFrame)
    assert line(rx.handle(far(1.0, FCF.DCS, dcs_fif(), x_bit=True))).purpose == "tcf"


def test_dcs_we_cannot_do_is_incompatible():
    rx = Receiver(LocalCapabilities(mr=False))
    line(rx.handle(ev.Start(0.0)))
    line(rx.handle(ev.FramesSent(0.5)))
    assert line(rx.handle(far(1.0, FCF.DCS, dcs_fif(), x_bit=True))).outcome \
        is Outcome.INCOMPATIBLE


def test_line_dropped_after_eop_answered_is_success_mid_document_is_not():
    rx = new_rx()
    to_page(rx)
    page_then(rx, 10.0, FCF.EOP, GOOD)
    line(rx.handle(ev.FramesSent(10.6)))
    assert line(rx.handle(ev.LinkFailed(11.0, ev.LinkFailure.LINE_DROPPED))).outcome \
        is Outcome.SUCCESS
    rx = new_rx()
    to_page(rx)
    page_then(rx, 10.0, FCF.MPS, GOOD)
    line(rx.handle(ev.FramesSent(10.6)))
    act = line(rx.handle(ev.LinkFailed(11.0, ev.LinkFailure.LINE_DROPPED)))
    assert act.outcome is Outcome.FAR_END_HUNG_UP and rx.report.pages_confirmed == 1


def test_sender_silent_after_page_times_out():
    rx = new_rx()
    to_page(rx)
    line(rx.handle(ev.ImageReceived(10.0, b"page")))
    for n in range(2):
        assert isinstance(line(rx.handle(ev.LinkFailed(16 + 6 * n, ev.LinkFailure.TIMEOUT))),
                          ev.ReceiveFrame)
    assert line(rx.handle(ev.LinkFailed(30, ev.LinkFailure.TIMEOUT))).outcome \
        is Outcome.PROTOCOL_TIMEOUT


@pytest.mark.parametrize("fcf", [FCF.NSS, FCF.SUB, FCF.SID])
def test_optional_frames_before_dcs_are_ignored(fcf):
    rx = new_rx()
    line(rx.handle(ev.Start(0.0)))
    line(rx.handle(ev.FramesSent(0.5)))
    assert isinstance(line(rx.handle(far(1.0, fcf, b"\x00\x00", final=False))), ev.ReceiveFrame)


def test_eom_answered_then_phase_b_again_with_a_new_dis():
    rx = new_rx()
    to_page(rx)
    marker, mcf = page_then(rx, 10.0, FCF.EOM, GOOD)
    assert marker == ev.KeepPage(0) and sent_fcfs(mcf) == [FCF.MCF]
    again = line(rx.handle(ev.FramesSent(10.6)))
    assert sent_fcfs(again) == [FCF.CSI, FCF.DIS] and rx.report.phase.value == "B"
    line(rx.handle(ev.FramesSent(11.0)))
    assert line(rx.handle(far(11.5, FCF.DCS, dcs_fif(M.V29_9600), x_bit=True))).purpose == "tcf"


def test_ppm_without_any_page_gets_rtn():
    rx = new_rx()
    to_page(rx)
    line(rx.handle(ev.LinkFailed(3.0 + T2_S, ev.LinkFailure.TIMEOUT)))  # no page carrier
    act = line(rx.handle(far(9.5, FCF.MPS, x_bit=True)))
    assert sent_fcfs(act) == [FCF.RTN] and rx.report.pages == []
