"""Tables of captured (and garbled) modem answers through the pure line parsers."""

import pytest
from hypothesis import given, strategies as st

from faxgw.modem.at.results import (
    MAX_LINE_BYTES, Kind, caller_id_field, classify, decode_line, line_text,
    parse_number_list, strip_info_prefix,
)


def split_all(buffer: bytes) -> tuple[list[bytes], bytes]:
    lines = []
    while True:
        consumed, line = decode_line(buffer)
        buffer = buffer[consumed:]
        if line is None:
            return lines, buffer
        lines.append(line)


@pytest.mark.parametrize("stream, lines, rest", [
    (b"\r\nOK\r\n", [b"OK"], b""),
    (b"AT+FCLASS=?\r\r\n0,1,1.0\r\n\r\nOK\r\n", [b"AT+FCLASS=?", b"0,1,1.0", b"OK"], b""),
    (b"0\r", [b"0"], b""),                                # ATV0 numeric: CR only
    (b"\r\nCONNECT\r\n\xff\x03", [b"CONNECT"], b"\xff\x03"),  # binary data left alone
    (b"\r\nCONNE", [], b"CONNE"),                          # split read: wait for more
    (b"\n\nRING\n", [b"RING"], b""),                       # LF-only modem
    (b"OK\r\nRING\r\n", [b"OK", b"RING"], b""),
    (b"\r\n\r\n", [], b""),
])
def test_split_captured_streams(stream, lines, rest):
    assert split_all(stream) == (lines, rest)


def test_crlf_split_across_reads_leaves_the_lf_to_skip():
    consumed, line = decode_line(b"OK\r")
    assert (consumed, line) == (3, b"OK")
    assert decode_line(b"\nRING\r\n") == (7, b"RING")


def test_unterminated_garbage_is_bounded():
    junk = b"\x7f" * (MAX_LINE_BYTES + 100)
    consumed, line = decode_line(junk)
    assert consumed == MAX_LINE_BYTES and line == junk[:MAX_LINE_BYTES]
    assert decode_line(b"x" * MAX_LINE_BYTES) == (0, None)


@given(st.binary(max_size=2000))
def test_decode_line_always_progresses_or_waits(buffer):
    total = 0
    while True:
        consumed, line = decode_line(buffer[total:])
        assert 0 <= consumed <= len(buffer) - total
        if line is None:
            assert len(buffer) - total - consumed <= MAX_LINE_BYTES
            break
        assert consumed > 0 and len(line) <= MAX_LINE_BYTES
        total += consumed


@pytest.mark.parametrize("line, kind", [
    ("OK", Kind.OK), ("ok", Kind.OK), ("CONNECT", Kind.CONNECT), ("CONNECT 9600", Kind.CONNECT),
    ("RING", Kind.RING), ("NO CARRIER", Kind.NO_CARRIER), ("ERROR", Kind.ERROR),
    ("NO DIALTONE", Kind.NO_DIALTONE), ("NO DIAL TONE", Kind.NO_DIALTONE),
    ("BUSY", Kind.BUSY), ("NO ANSWER", Kind.NO_ANSWER), ("+FCERROR", Kind.FCERROR),
    ("DELAYED", Kind.BUSY), ("NMBR = 5551234", Kind.CALLER_ID), ("DATE = 1126", Kind.CALLER_ID),
    ("NAME: ACME LTD", Kind.CALLER_ID),
    # garbled or partial answers are never taken for a final result
    ("OKK", Kind.INFO), ("ERR0R", Kind.INFO), ("NO CARR", Kind.INFO), ("CONNECTED", Kind.INFO),
    ("0,1,1.0", Kind.INFO), ("faxgw hw-sim", Kind.INFO), ("", Kind.INFO),
    # digits are information text unless numeric codes are allowed
    ("0", Kind.INFO), ("3", Kind.INFO), ("+F4", Kind.INFO),
])
def test_classify_verbose(line, kind):
    assert classify(line).kind is kind


@pytest.mark.parametrize("line, kind", [
    ("0", Kind.OK), ("1", Kind.CONNECT), ("2", Kind.RING), ("3", Kind.NO_CARRIER),
    ("4", Kind.ERROR), ("6", Kind.NO_DIALTONE), ("7", Kind.BUSY), ("8", Kind.NO_ANSWER),
    ("+F4", Kind.FCERROR), ("5", Kind.INFO), ("OK", Kind.OK), ("12", Kind.INFO),
])
def test_classify_numeric(line, kind):
    assert classify(line, numeric=True).kind is kind


def test_final_and_unsolicited_flags():
    assert classify("NO CARRIER").final and not classify("NO CARRIER").unsolicited
    assert classify("RING").unsolicited and not classify("RING").final
    assert not classify("24,48").final


def test_line_text_drops_flow_control_and_nuls():
    assert line_text(b"\x11OK\x13") == "OK"
    assert line_text(b"O\x00K ") == "OK"
    assert line_text(b"\xe9t\xe9") == "\xe9t\xe9"


def test_caller_id_field():
    assert caller_id_field("NMBR = 5551234") == ("NMBR", "5551234")
    assert caller_id_field("name: ACME") == ("NAME", "ACME")


@pytest.mark.parametrize("text, values", [
    ("24,48,72,73,74,96,97,98,121,122,145,146", (24, 48, 72, 73, 74, 96, 97, 98, 121, 122, 145, 146)),
    ("3", (3,)), ("(3)", (3,)), ("(0-2),96", (0, 1, 2, 96)), (" 24 , 48 ", (24, 48)), ("", ()),
])
def test_parse_number_list(text, values):
    assert parse_number_list(text) == values


@pytest.mark.parametrize("text", ["24,4x", "ERROR", "3-1", "0-99999"])
def test_parse_number_list_refuses_garbage(text):
    with pytest.raises(ValueError, match="in"):
        parse_number_list(text)


@pytest.mark.parametrize("text, command, expected", [
    ("faxgw hw-sim", "AT+FMI?", "faxgw hw-sim"),
    ("+FMI: USRobotics", "AT+FMI?", "USRobotics"),
    ('+FMM: "Courier"', "AT+FMM?", "Courier"),
    ("+FCLASS: 0,1", "AT+FCLASS=?", "0,1"),
])
def test_strip_info_prefix(text, command, expected):
    assert strip_info_prefix(text, command) == expected
