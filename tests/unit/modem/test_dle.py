"""DLE transparency (T.31 clause 8.3 and Annex B) with captured and malformed streams."""

import pytest
from hypothesis import given, strategies as st

from faxgw.modem.at.dle import DLE_ETX, stuff, unstuff


@pytest.mark.parametrize("data, stuffed", [
    (b"", b""), (b"\xff\x13\x80", b"\xff\x13\x80"), (b"\x10", b"\x10\x10"),
    (b"\x10\x03", b"\x10\x10\x03"), (b"a\x10\x10b", b"a\x10\x10\x10\x10b"),
])
def test_stuff(data, stuffed):
    assert stuff(data) == stuffed


@pytest.mark.parametrize("stream, consumed, data, ended", [
    (b"\xff\x13\x80\x10\x03OK", 5, b"\xff\x13\x80", True),          # a DIS-like frame
    (b"\x10\x10\x10\x03", 4, b"\x10", True),                         # doubled DLE in data
    (b"\x10\x1a\x10\x03", 4, b"\x10\x10", True),                     # <DLE><SUB>: two DLEs
    (b"\x10\x51\x10\x53\x10\x03", 6, b"\x11\x13", True),             # shielded DC1/DC3
    (b"ab\x10\x07cd\x10\x03", 8, b"abcd", True),                     # unknown pair dropped
    (b"abc", 3, b"abc", False),                                      # more to come
    (b"abc\x10", 3, b"abc", False),                                  # lone DLE waits
    (b"\x10\x03", 2, b"", True),                                     # empty frame (noise)
    (b"", 0, b"", False),
])
def test_unstuff_doubled(stream, consumed, data, ended):
    assert unstuff(stream) == (consumed, data, ended)


@pytest.mark.parametrize("stream, consumed, data, ended", [
    (b"\xff\x10\x80\x10\x03", 5, b"\xff\x10\x80", True),   # modem sent the DLE raw
    (b"\x10\x10\x10\x03", 4, b"\x10\x10", True),           # two raw DLEs then the end
    (b"a\x10", 1, b"a", False),
])
def test_unstuff_undoubled_quirk(stream, consumed, data, ended):
    assert unstuff(stream, doubled=False) == (consumed, data, ended)


@given(st.binary(max_size=500), st.integers(min_value=0, max_value=600))
def test_round_trip_in_any_split(data, cut):
    wire = stuff(data) + DLE_ETX + b"\r\nOK\r\n"
    cut = min(cut, len(wire))
    got, buffer, ended = b"", wire[:cut], False
    consumed, part, ended = unstuff(buffer)
    got += part
    buffer = buffer[consumed:] + wire[cut:]
    if not ended:
        consumed, part, ended = unstuff(buffer)
        got += part
        buffer = buffer[consumed:]
    assert ended and got == data and buffer == b"\r\nOK\r\n"
