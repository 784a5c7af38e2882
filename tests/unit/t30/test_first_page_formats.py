"""Page 1 is encoded while dialling for each format DIS may lead to, never only for ECM's
MMR (a far end without ECM would make that work wasted and the first page late)."""

from faxgw.modem.class1.session import likely_formats
from faxgw.session import WIDTH_A4_PX, CallOptions, Coding, Resolution
from faxgw.t30.negotiate import LocalCapabilities


class Pages:
    page_count, resolution, width_px = 1, Resolution.FINE, WIDTH_A4_PX


def test_with_ecm_offered_page_1_is_encoded_both_with_and_without_ecm():
    formats = likely_formats(LocalCapabilities(ecm=True), Pages())
    assert [(f.coding, f.ecm) for f in formats] == [(Coding.MR, False), (Coding.MMR, True)]
    assert {f.bit_rate for f in formats} == {14400}


def test_without_ecm_only_the_plain_coding_and_at_the_learned_start_speed():
    formats = likely_formats(LocalCapabilities(ecm=False, mr=False), Pages(),
                             CallOptions(max_bit_rate=9600))
    assert [(f.coding, f.ecm, f.bit_rate) for f in formats] == [(Coding.MH, False, 9600)]
