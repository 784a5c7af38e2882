"""Round trips of DIS and DCS over every combination hypothesis cares to try."""

from hypothesis import given, strategies as st

from faxgw.session import Coding, Resolution
from faxgw.t30.bits import bits_set, is_extend_bit, set_bits
from faxgw.t30.dis import (DCS_SCAN_TIMES_MS, FALLBACK_ORDER, DcsSettings, DisCapabilities)

ordinary_bits = st.integers(1, 112).filter(lambda n: not is_extend_bit(n))


@given(st.frozensets(ordinary_bits, max_size=30))
def test_bits_round_trip_through_the_extension_chain(bits):
    fif = set_bits(bits)
    assert bits_set(fif) == bits
    assert len(fif) == max([3] + [(n - 1) // 8 + 1 for n in bits])
    # every octet but the last says "more follows" from octet 3 on
    assert all(o & 0x80 for o in fif[2:-1]) and not fif[-1] & 0x80 or len(fif) == 3


@given(st.frozensets(ordinary_bits, max_size=30))
def test_dis_decode_encode_is_stable(bits):
    bits = bits - {17, 18, 19, 20} | {10}  # widths/lengths: invalid codes read as A4
    first = DisCapabilities.decode(set_bits(bits))
    again = DisCapabilities.decode(first.encode())
    assert again == first


@given(st.sampled_from(FALLBACK_ORDER), st.sampled_from(list(Resolution)),
       st.sampled_from([Coding.MH, Coding.MR]), st.sampled_from([1728, 2048, 2432]),
       st.sampled_from(["A4", "B4", "unlimited"]), st.sampled_from(DCS_SCAN_TIMES_MS))
def test_every_dcs_round_trips(modulation, resolution, coding, width, length, scan):
    dcs = DcsSettings(modulation=modulation, resolution=resolution, coding=coding,
                      width_px=width, length=length, min_scan_ms=scan)
    assert DcsSettings.decode(dcs.encode()) == dcs
