"""DIS/DCS against bit patterns worked by hand from T.30 Table 2.

Bit n of the table lives in FIF octet (n-1)//8 at mask 1 << ((n-1) % 8); the worked
octets are written out in each test so that a wrong bit number shows up as a wrong byte.
"""

import pytest

from faxgw.session import Coding, Resolution
from faxgw.t30.bits import bits_set, set_bits
from faxgw.t30.dis import DcsSettings, DisCapabilities
from faxgw.t30.link import Modulation as M

ALL_SPEEDS = (M.V17_14400, M.V17_12000, M.V17_9600, M.V17_7200, M.V29_9600, M.V29_7200,
              M.V27TER_4800, M.V27TER_2400)


def test_dis_v17_fine_mr_unlimited_three_octets():
    # octet 2: bit 10 (0x02) receive, bits 11,12,14 (0x04,0x08,0x20) = "1101" V.17,
    #          bit 15 (0x40) fine, bit 16 (0x80) MR                       -> 0xEE
    # octet 3: bit 20 (0x08) unlimited length, bits 21-23 = 000 (20 ms)   -> 0x08
    fif = bytes([0x00, 0xEE, 0x08])
    dis = DisCapabilities.decode(fif)
    assert dis.modulations == ALL_SPEEDS
    assert dis.fine and dis.mr and not dis.superfine and not dis.ecm
    assert dis.lengths == ("A4", "B4", "unlimited")
    assert dis.widths == (1728,)
    assert dis.scan_ms == (20, 20)
    assert dis.ready_to_receive
    assert dis.encode() == fif


def test_dis_v29_b4_half_scan_time_and_ecm_in_octet_4():
    # octet 2: bit 10 (0x02), bits 11,12 (0x04,0x08) = "1100" V.29 + V.27ter,
    #          bit 15 (0x40) fine                                          -> 0x4E
    # octet 3: bit 17 (0x01) 255 mm, bit 19 (0x04) B4 length,
    #          bits 22,23 (0x20,0x40) = "011": 10 ms, T7.7 = 1/2 T3.85, bit 24 extend -> 0xE5
    # octet 4: bit 27 (0x04) ECM, no further octet                        -> 0x04
    fif = bytes([0x00, 0x4E, 0xE5, 0x04])
    dis = DisCapabilities.decode(fif)
    assert dis.modulations == (M.V29_9600, M.V29_7200, M.V27TER_4800, M.V27TER_2400)
    assert dis.widths == (1728, 2048)
    assert dis.lengths == ("A4", "B4")
    assert dis.scan_ms == (10, 5)
    assert dis.min_scan_ms(Resolution.STANDARD) == 10
    assert dis.min_scan_ms(Resolution.FINE) == 5
    assert dis.ecm and not dis.mr
    assert "ecm" in dis.named and "fine" in dis.named
    assert dis.encode() == fif


def test_dis_superfine_in_octet_6_with_scan_halving():
    # octet 3: bit 20 (0x08), bits 21,23 (0x10,0x40) = "101": 40 ms, T7.7 = 1/2, extend -> 0xD8
    # octets 4 and 5: only their extend bits                                 -> 0x80 0x80
    # octet 6: bit 41 (0x01) superfine, bit 46 (0x20) T15.4 = 1/2 T7.7         -> 0x21
    fif = bytes([0x00, 0xEE, 0xD8, 0x80, 0x80, 0x21])
    dis = DisCapabilities.decode(fif)
    assert dis.superfine and dis.scan_halves_at_superfine
    assert dis.resolutions == frozenset(Resolution)
    assert [dis.min_scan_ms(r) for r in Resolution] == [40, 20, 10]
    assert dis.encode() == fif


def test_octets_after_a_clear_extend_bit_are_ignored():
    dis = DisCapabilities.decode(bytes([0x00, 0xEE, 0x08, 0xFF]))
    assert not dis.ecm and not dis.mmr
    assert bits_set(bytes([0x00, 0x00, 0x80, 0x04])) == frozenset({27})


def test_bits_8_and_16_are_not_extension_bits():
    assert set_bits({16}) == bytes([0x00, 0x80, 0x00])
    assert bits_set(bytes([0x80, 0x80, 0x00])) == frozenset({8, 16})


def test_other_capabilities_are_named():
    dis = DisCapabilities.decode(set_bits({10, 11, 12, 14, 33, 49, 66}))
    assert {"fnv", "subaddressing", "digital_network"} <= set(dis.named)


@pytest.mark.parametrize("rate_bits,offered", [
    ("0000", (M.V27TER_2400,)),
    ("0100", (M.V27TER_4800, M.V27TER_2400)),
    ("1000", (M.V29_9600, M.V29_7200, M.V27TER_2400)),
    ("1100", (M.V29_9600, M.V29_7200, M.V27TER_4800, M.V27TER_2400)),
    ("1101", ALL_SPEEDS),
])
def test_dis_rate_field(rate_bits, offered):
    bits = {10} | {11 + i for i, b in enumerate(rate_bits) if b == "1"}
    assert DisCapabilities.decode(set_bits(bits)).modulations == offered


@pytest.mark.parametrize("code,times", [
    ("000", (20, 20)), ("001", (40, 40)), ("010", (10, 10)), ("100", (5, 5)),
    ("011", (10, 5)), ("110", (20, 10)), ("101", (40, 20)), ("111", (0, 0)),
])
def test_dis_scan_time_codes(code, times):
    bits = {10} | {21 + i for i, b in enumerate(code) if b == "1"}
    assert DisCapabilities.decode(set_bits(bits)).scan_ms == times


# T.30 Table 2, DCS bits 11, 12, 13, 14 (in that order)
@pytest.mark.parametrize("rate_bits,modulation", [
    ("0000", M.V27TER_2400), ("0100", M.V27TER_4800), ("1000", M.V29_9600),
    ("1100", M.V29_7200), ("0001", M.V17_14400), ("0101", M.V17_12000),
    ("1001", M.V17_9600), ("1101", M.V17_7200),
])
def test_dcs_rate_field(rate_bits, modulation):
    bits = {10} | {11 + i for i, b in enumerate(rate_bits) if b == "1"}
    dcs = DcsSettings.decode(set_bits(bits))
    assert dcs.modulation is modulation
    assert dcs.encode() == set_bits(bits)


def test_dcs_v29_7200_fine_b4_10ms():
    # octet 2: bit 10 (0x02), bits 11,12 (0x0C) V.29 7200, bit 15 (0x40) fine -> 0x4E
    # octet 3: bit 17 (0x01) 255 mm, bit 22 (0x20) 10 ms                      -> 0x21
    fif = bytes([0x00, 0x4E, 0x21])
    dcs = DcsSettings.decode(fif)
    assert (dcs.modulation, dcs.resolution, dcs.coding) == (M.V29_7200, Resolution.FINE, Coding.MH)
    assert (dcs.width_px, dcs.length, dcs.min_scan_ms) == (2048, "A4", 10)
    assert dcs.encode() == fif


def test_dcs_v17_12000_superfine_mr_0ms():
    # octet 2: bits 10, 12, 14 (0x02,0x08,0x20), bit 16 MR (0x80)  -> 0xAA
    # octet 3: bits 21-23 "111" 0 ms (0x70), extend (0x80)          -> 0xF0
    # octets 4, 5: extend only; octet 6: bit 41 (0x01) superfine
    fif = bytes([0x00, 0xAA, 0xF0, 0x80, 0x80, 0x01])
    dcs = DcsSettings(modulation=M.V17_12000, resolution=Resolution.SUPERFINE,
                      coding=Coding.MR, min_scan_ms=0)
    assert dcs.encode() == fif
    assert DcsSettings.decode(fif) == dcs


def test_dcs_short_train_codes_give_the_same_bits():
    assert DcsSettings(modulation=M.V17_14400_SHORT).encode() == \
        DcsSettings(modulation=M.V17_14400).encode()


def test_dcs_with_v33_rate_is_refused():
    with pytest.raises(ValueError, match="V.33"):
        DcsSettings.decode(set_bits({10, 13}))


def test_too_short_fields_are_refused():
    with pytest.raises(ValueError):
        DisCapabilities.decode(b"\x00\xee")
    with pytest.raises(ValueError):
        DcsSettings.decode(b"")
