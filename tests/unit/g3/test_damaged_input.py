"""Damaged, truncated and garbage input: decode repairs and reports, raises nothing but
G3Error, never hangs (pytest-timeout guards the suite)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faxgw.g3 import decode, encode
from tests.unit.g3 import corpus
from tests.unit.g3.streams import bit_string, eol_ends

CODINGS = ("MH", "MR", "MMR")
WIDTH = 1728
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rows(image) -> np.ndarray:
    return ~np.asarray(image)


def damage_lines(coding: str, image, lines: list[int]) -> bytes:
    """Encode with aligned EOLs (msb) and put 1, eight zeros, 1 into the middle of each
    given line: no code word starts with eight zeros, and eleven are needed for an EOL (the
    ones keep neighbouring zeros from adding up to eleven), so the line cannot decode but
    no false EOL appears and the next EOL is intact."""
    bits = list(bit_string(encode(image, coding, align_eol=True, bit_order="msb")))
    tag = 1 if coding == "MR" else 0
    starts = [end + tag for end in eol_ends("".join(bits))]
    for line in lines:
        middle = (starts[line] + starts[line + 1]) // 2 - 10
        bits[middle : middle + 10] = "1000000001"
    text = "".join(bits)
    return int(text, 2).to_bytes(len(text) // 8, "big")


@pytest.mark.parametrize("coding", ["MH", "MR"])
def test_a_damaged_line_is_replaced_by_the_line_above_and_counted(coding):
    image = corpus.random_runs(WIDTH, 40, seed=11)
    expected = rows(image)
    decoded, report = decode(damage_lines(coding, image, [12]), WIDTH, coding, bit_order="msb")
    got = rows(decoded)
    assert (report.lines, report.bad_lines, report.longest_bad_run) == (40, 1, 1)
    assert report.end == "rtc"
    assert np.array_equal(got[12], expected[11])
    assert np.array_equal(got[:12], expected[:12])
    if coding == "MH":  # in MR the following 2-D lines refer to the replaced line
        assert np.array_equal(got[13:], expected[13:])
    else:
        assert np.array_equal(got[16:], expected[16:])  # the next 1-D line (K=4) heals it


def test_consecutive_bad_lines_are_measured():
    image = corpus.random_runs(WIDTH, 40, seed=12)
    data = damage_lines("MH", image, [5, 20, 21, 22, 30, 31])
    decoded, report = decode(data, WIDTH, "MH", bit_order="msb")
    assert (report.lines, report.bad_lines, report.longest_bad_run) == (40, 6, 3)
    got, expected = rows(decoded), rows(image)
    for line in (20, 21, 22):
        assert np.array_equal(got[line], expected[19])  # repeated from the last good line


def test_the_first_line_damaged_becomes_white():
    image = corpus.all_black(WIDTH, 5)
    decoded, report = decode(damage_lines("MH", image, [0]), WIDTH, "MH", bit_order="msb")
    assert report.bad_lines == 1
    assert not rows(decoded)[0].any() and rows(decoded)[1:].all()


def test_mmr_damage_ends_the_page():
    image = corpus.text_page(size=(WIDTH, 300))
    data = bytearray(encode(image, "MMR"))
    data[len(data) // 2 :] = bytes(len(data) - len(data) // 2)  # zeros: no mode code
    decoded, report = decode(bytes(data), WIDTH, "MMR")
    assert report.end == "damaged" and report.bad_lines == 1
    assert 0 < report.lines < 300 and decoded.size == (WIDTH, report.lines)
    good = report.lines - 1
    assert np.array_equal(rows(decoded)[:good], rows(image)[:good])


@pytest.mark.parametrize("coding", CODINGS)
def test_every_truncation_decodes_without_error(coding):
    image = corpus.text_page(size=(WIDTH, 120))
    data = encode(image, coding)
    for cut in range(0, len(data), max(1, len(data) // 150)):
        decoded, report = decode(data[:cut], WIDTH, coding)
        assert decoded.size == (WIDTH, report.lines)
        assert report.lines <= 120 and report.end in ("end_of_data", "damaged", "rtc")
        if report.end == "rtc":  # the cut left two of the six EOLs: the page is whole
            assert report.lines == 120 and report.clean
        good = report.lines - report.bad_lines
        assert np.array_equal(rows(decoded)[:good], rows(image)[:good])


@pytest.mark.parametrize("coding", CODINGS)
@pytest.mark.parametrize("data", [b"", b"\0", b"\0" * 10_000, b"\xff" * 4, b"\x01" * 64,
                                  bytes(range(256)) * 4])
def test_degenerate_input_is_reported_not_raised(coding, data):
    decoded, report = decode(data, WIDTH, coding, max_lines=3000)
    assert decoded.size == (WIDTH, report.lines)
    assert 0 <= report.longest_bad_run <= report.bad_lines <= report.lines <= 3000


def test_a_stream_of_one_bits_in_mmr_is_bounded_by_max_lines():
    # Every 1 bit is a V0 code: a whole white line per bit.
    decoded, report = decode(b"\xff" * 100_000, WIDTH, "MMR")
    assert report.end == "max_lines" and report.lines == decoded.size[1] == 1 << 14


@FUZZ
@given(data=st.binary(max_size=3000), coding=st.sampled_from(CODINGS),
       width=st.sampled_from([1728, 2048, 2432, 1, 9, 100]), bit_order=st.sampled_from(["lsb", "msb"]))
def test_fuzzed_bytes_never_raise(data, coding, width, bit_order):
    decoded, report = decode(data, width, coding, bit_order=bit_order, max_lines=2000)
    assert decoded.size == (width, report.lines)
    assert 0 <= report.longest_bad_run <= report.bad_lines <= report.lines
    assert 0 <= report.bits_used <= 8 * len(data)


@FUZZ
@given(seed=st.integers(0, 2**32 - 1), coding=st.sampled_from(CODINGS),
       flips=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=8))
def test_fuzzed_bit_flips_in_real_pages_never_raise(seed, coding, flips):
    image = corpus.random_runs(WIDTH, 30, seed=seed % 1000)
    data = bytearray(encode(image, coding))
    for where in flips:
        bit = int(where * len(data) * 8)
        data[bit // 8] ^= 0x80 >> (bit % 8)
    decoded, report = decode(bytes(data), WIDTH, coding, max_lines=2000)
    assert decoded.size == (WIDTH, report.lines)
    assert report.longest_bad_run <= report.bad_lines <= report.lines
    if coding == "MH" and len(flips) == 1:
        # One flipped bit damages at most a line or two (or makes a false EOL) in MH.
        assert abs(report.lines - 30) <= 2
