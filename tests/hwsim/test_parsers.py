"""Pure parts of hw-sim: AT command splitting, FCS, DLE transparency, fault merging."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from hwsim.atcommand import Command, ParseError, parse
from hwsim.faults import FaultBook, Faults
from hwsim.hdlc import DleDecoder, dle_stuff, fcs16, fcs_good, with_fcs


@pytest.mark.parametrize("body, expected", [
    ("E0V1", [Command("E", "", "0"), Command("V", "", "1")]),
    ("+FCLASS=1;+FTM=?", [Command("+FCLASS", "=", "1"), Command("+FTM", "=?", "")]),
    ("S0=2S7?", [Command("S0", "=", "2"), Command("S7", "?", "")]),
    ("&FE0", [Command("&F", "", ""), Command("E", "", "0")]),
    ("ZDT 555-1212", [Command("Z", "", ""), Command("D", "", "T 555-1212")]),
    ("+fth=3", [Command("+FTH", "=", "3")]),
    ("I3", [Command("I", "", "3")]),
    ("", []),
])
def test_parse(body, expected):
    assert parse(body) == expected


@pytest.mark.parametrize("body", ["S=1", "S7", "&", "$"])
def test_parse_errors(body):
    with pytest.raises(ParseError):
        parse(body)


def test_fcs_known_value():
    # CRC-16/X.25 check value of "123456789" (ISO/IEC 3309, as T.30 5.3.7 uses it).
    assert fcs16(b"123456789") == 0x906E
    assert with_fcs(b"123456789")[-2:] == bytes((0x6E, 0x90))


@given(st.binary(min_size=1, max_size=64))
def test_fcs_detects_single_bit_errors(frame):
    line = bytearray(with_fcs(frame))
    assert fcs_good(bytes(line))
    line[len(line) // 2] ^= 0x04
    assert not fcs_good(bytes(line))


@given(st.binary(max_size=200), st.integers(min_value=1, max_value=7))
def test_dle_roundtrip_in_any_pieces(data, piece):
    stream = dle_stuff(data) + b"\x10\x03" + b"AT"
    decoder, out, used_total, ended = DleDecoder(), bytearray(), 0, False
    for i in range(0, len(stream), piece):
        payload, ended, used = decoder.feed(stream[i:i + piece])
        out += payload
        used_total = i + used
        if ended:
            break
    assert ended and bytes(out) == data
    assert stream[used_total:] == b"AT"  # what follows DLE ETX is left for command state


def test_dle_sub_means_two_dles():
    assert DleDecoder().feed(b"a\x10\x1ab\x10\x03")[0] == b"a\x10\x10b"


def test_fault_book_one_shot_and_standing():
    book = FaultBook()
    book.set("1002", Faults(bit_error_rate=0.001))
    book.set_next_call("1002", Faults(busy=True))
    first = book.for_call("1001", "1002")
    assert first.busy and first.bit_error_rate == 0.001
    second = book.for_call("1001", "1002")
    assert not second.busy and second.bit_error_rate == 0.001
    book.set("1002", None)
    assert book.for_call("1001", "1002") == Faults()


def test_faults_reject_nonsense():
    with pytest.raises(ValueError):
        Faults(bit_error_rate=2)
    with pytest.raises(ValueError):
        Faults(bit_errors_on="sometimes")


def test_dle_unknown_escape_is_dropped_and_counted():
    decoder = DleDecoder()
    assert decoder.feed(b"ab\x10") == (b"ab", False, 3)  # DLE at the end of a read
    assert decoder.feed(b"Zc\x10\x03rest") == (b"c", True, 4)
    assert decoder.unknown_escapes == 1
