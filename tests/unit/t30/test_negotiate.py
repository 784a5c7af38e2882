"""Negotiation from both sides' capabilities, TCF judgement and the page verdict."""

import pytest

from faxgw.session import Coding, Resolution
from faxgw.t30.bits import set_bits
from faxgw.t30.dis import DisCapabilities
from faxgw.t30.frames import FCF
from faxgw.t30.link import Modulation as M
from faxgw.t30.negotiate import (LocalCapabilities, PageQuality, QualityPolicy, choose_dcs,
                                 common_speeds, dcs_acceptable, judge_page, judge_tcf,
                                 longest_zero_run_bits, tcf_data)

V17_FINE_MR = DisCapabilities.decode(bytes([0x00, 0xEE, 0x08]))  # 20 ms, unlimited
V29_STANDARD = DisCapabilities.decode(set_bits({10, 11, 12}))  # no fine, no MR, 20 ms


def test_resolution_never_finer_than_the_receiver_takes():
    dcs = choose_dcs(V29_STANDARD, LocalCapabilities(), M.V29_9600, Resolution.FINE, 1728)
    assert dcs.resolution is Resolution.STANDARD
    dcs = choose_dcs(V17_FINE_MR, LocalCapabilities(), M.V17_14400, Resolution.SUPERFINE, 1728)
    assert dcs.resolution is Resolution.FINE


def test_resolution_never_finer_than_the_document():
    superfine = DisCapabilities.decode(bytes([0x00, 0xEE, 0x88, 0x80, 0x80, 0x01]))
    dcs = choose_dcs(superfine, LocalCapabilities(), M.V17_14400, Resolution.STANDARD, 1728)
    assert dcs.resolution is Resolution.STANDARD


def test_mr_only_when_both_sides_can():
    assert choose_dcs(V17_FINE_MR, LocalCapabilities(), M.V17_14400,
                      Resolution.FINE, 1728).coding is Coding.MR
    assert choose_dcs(V17_FINE_MR, LocalCapabilities(mr=False), M.V17_14400,
                      Resolution.FINE, 1728).coding is Coding.MH
    assert choose_dcs(V29_STANDARD, LocalCapabilities(), M.V29_9600,
                      Resolution.FINE, 1728).coding is Coding.MH


def test_scan_time_is_the_larger_need_of_both_sides():
    half = DisCapabilities.decode(bytes([0x00, 0xEE, 0x68]))  # "011": 10 ms, fine 5 ms
    local = LocalCapabilities()
    assert choose_dcs(half, local, M.V17_14400, Resolution.FINE, 1728).min_scan_ms == 5
    assert choose_dcs(half, local, M.V17_14400, Resolution.STANDARD, 1728).min_scan_ms == 10
    slow_us = LocalCapabilities(min_scan_ms=7)  # rounded up to what DCS can say: 10
    assert choose_dcs(half, slow_us, M.V17_14400, Resolution.FINE, 1728).min_scan_ms == 10


def test_width_and_length_within_both():
    b4 = DisCapabilities.decode(bytes([0x00, 0xEE, 0x05]))  # 255 mm, B4
    ours = LocalCapabilities(widths=(1728, 2048))
    dcs = choose_dcs(b4, ours, M.V17_14400, Resolution.FINE, 2432)
    assert (dcs.width_px, dcs.length) == (2048, "B4")
    dcs = choose_dcs(V17_FINE_MR, ours, M.V17_14400, Resolution.FINE, 2048)
    assert dcs.width_px == 1728


def test_common_speeds_follow_the_t30_order_within_both_modems():
    v29_modem = LocalCapabilities(modulations=(M.V27TER_2400, M.V27TER_4800, M.V29_7200,
                                               M.V29_9600))
    assert common_speeds(V17_FINE_MR, v29_modem) == (M.V29_9600, M.V29_7200, M.V27TER_4800,
                                                     M.V27TER_2400)
    short_codes = LocalCapabilities(modulations=(M.V17_14400_SHORT, M.V29_9600))
    assert common_speeds(V17_FINE_MR, short_codes) == (M.V17_14400, M.V29_9600)


def test_our_dis_says_what_we_have():
    local = LocalCapabilities(modulations=(M.V29_9600, M.V29_7200, M.V27TER_4800,
                                           M.V27TER_2400), mr=False, min_scan_ms=5,
                              resolutions=frozenset({Resolution.STANDARD, Resolution.FINE}))
    dis = DisCapabilities.decode(local.dis().encode())
    assert dis.modulations == (M.V29_9600, M.V29_7200, M.V27TER_4800, M.V27TER_2400)
    assert dis.fine and not dis.superfine and not dis.mr and dis.scan_ms == (5, 5)


def test_dcs_acceptable_only_within_our_dis():
    local = LocalCapabilities(mr=False)
    good = choose_dcs(local.dis(), local, M.V17_14400, Resolution.FINE, 1728)
    assert dcs_acceptable(good, local)
    mr = choose_dcs(V17_FINE_MR, LocalCapabilities(), M.V17_14400, Resolution.FINE, 1728)
    assert not dcs_acceptable(mr, local)


def test_longest_zero_run_counts_bits_across_octets():
    assert longest_zero_run_bits(bytes(2)) == 16
    # 0x01: the first bit in time is 1, then 7 zeros; 8 zeros; 0x80: 7 zeros, then 1
    assert longest_zero_run_bits(bytes([0x01, 0x00, 0x80])) == 22
    assert longest_zero_run_bits(b"\xff\xff") == 0


def test_tcf_is_one_and_a_half_seconds_of_zeros():
    assert len(tcf_data(M.V29_9600)) == 1800
    assert judge_tcf(tcf_data(M.V29_9600), M.V29_9600)[0]


def test_tcf_good_with_noise_at_the_ends_bad_when_split():
    # 1 s at 9600 bit/s is 1200 octets: noise before and after a clean second passes
    # 0x5A ends (in time) with one 0 bit; 0xA5 starts with a 1 bit: the run is 9601 bits
    noisy_ends = b"\x5a" * 100 + bytes(1200) + b"\xa5" * 100
    assert judge_tcf(noisy_ends, M.V29_9600) == (True, pytest.approx(9601 / 9600))
    split = bytes(700) + b"\x10" + bytes(700)
    good, run_s = judge_tcf(split, M.V29_9600)
    assert not good and run_s < 0.6


@pytest.mark.parametrize("quality,verdict", [
    (PageQuality(1000, 0, 0), FCF.MCF),
    (PageQuality(1000, 20, 3), FCF.MCF),
    (PageQuality(1000, 21, 1), FCF.RTP),  # just over 2 %
    (PageQuality(1000, 10, 5), FCF.RTP),  # a burst too long for MCF
    (PageQuality(1000, 101, 1), FCF.RTN),  # over 10 %
    (PageQuality(1000, 30, 17), FCF.RTN),  # a torn stretch
    (PageQuality(0, 0, 0), FCF.RTN),  # nothing decodable
])
def test_page_verdict(quality, verdict):
    assert judge_page(quality, QualityPolicy()) is verdict
