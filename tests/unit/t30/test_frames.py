"""FCF codes and identities against the bit strings of T.30 clause 5.3.6.1 and 5.3.6.2.4.

T.30 writes each FCF as the bits in the order they are sent, first bit on the left, with
X for the bit that depends on who received DIS. Since HDLC sends the least significant bit
first, the octet is the string reversed and read as binary.
"""

import pytest

from faxgw.t30.frames import (FCF, build_frame, decode_fcf, decode_ident, encode_ident,
                              parse_frame)

T30_STRINGS = {
    "DIS": "00000001", "CSI": "00000010", "NSF": "00000100",
    "DTC": "10000001", "CIG": "10000010", "NSC": "10000100",
    "DCS": "X1000001", "TSI": "X1000010", "NSS": "X1000100",
    "CFR": "X0100001", "FTT": "X0100010",
    "EOM": "X1110001", "MPS": "X1110010", "EOP": "X1110100",
    "MCF": "X0110001", "RTP": "X0110011", "RTN": "X0110010",
    "PIP": "X0110101", "PIN": "X0110100",
    "DCN": "X1011111", "CRP": "X1011000",
    "PPS": "X1111101", "PPR": "X0111101", "CTC": "X1001000", "CTR": "X0100011",
    "RR": "X1110110", "RNR": "X0110111", "EOR": "X1110011", "ERR": "X0111000",
}


def octet(bits: str, x: str) -> int:
    return int(bits.replace("X", x)[::-1], 2)


@pytest.mark.parametrize("name,bits", sorted(T30_STRINGS.items()))
def test_fcf_values_are_the_t30_bit_strings(name, bits):
    assert FCF[name] == octet(bits, "0")


@pytest.mark.parametrize("name,bits", sorted(T30_STRINGS.items()))
def test_x_bit_is_ignored_where_there_is_one(name, bits):
    for x in "01":
        if "X" in bits or x == "0":
            assert decode_fcf(octet(bits, x)) is FCF[name]


def test_dtc_is_not_mistaken_for_dis_with_x_bit():
    assert decode_fcf(0x81) is FCF.DTC
    assert decode_fcf(0x80) is FCF.DIS


def test_build_frame_sets_control_and_x_bit():
    assert build_frame(FCF.DCS, b"\x00\x46\x00", x_bit=True) == bytes.fromhex("ff13830046 00".replace(" ", ""))
    assert build_frame(FCF.TSI, b"", final=False, x_bit=False) == bytes.fromhex("ff0342")
    # DIS has no X bit: setting it would turn it into DTC
    assert build_frame(FCF.DIS, b"", x_bit=True) == bytes.fromhex("ff1380")


def test_parse_frame_rejects_wrong_address_and_short_frames():
    assert parse_frame(b"\xff\x13") is None
    assert parse_frame(bytes.fromhex("fe1380")) is None
    frame = parse_frame(bytes.fromhex("ff034f"))
    assert frame is not None and frame.fcf is FCF.MPS and not frame.final


def test_unknown_fcf_is_kept_by_number():
    frame = parse_frame(bytes.fromhex("ff1306"))
    assert frame is not None and frame.fcf is None and frame.name == "FCF 0x06"


def test_ident_is_sent_last_character_first_and_padded_after():
    # T.30 5.3.6.2.4: "+1 555 0100" goes out as '0','0','1','0',' ','5',... then spaces
    fif = encode_ident("+1 555 0100")
    assert fif == b"0010 555 1+" + b" " * 9
    assert len(fif) == 20
    assert decode_ident(fif) == "+1 555 0100"


def test_ident_drops_characters_t30_does_not_allow_and_truncates():
    assert decode_ident(encode_ident("FAX +49-30 1234")) == "+4930 1234"
    assert len(encode_ident("1" * 30)) == 20


def test_decode_ident_of_a_short_or_odd_field():
    assert decode_ident(b"4321") == "1234"
    assert decode_ident(b"\x01" + b"21") == "12?"
