"""encode/decode agree with each other on every case, and the encoder's framing follows
T.4/T.6 (EOL, tag bits, fill, RTC/EOFB, alignment, bit order)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from faxgw.g3 import DecodeReport, G3Error, decode, encode, min_line_bits, warm_up
from tests.unit.g3 import corpus
from tests.unit.g3.streams import bit_string, eol_ends

CODINGS = ("MH", "MR", "MMR")
END_OF_PAGE = {"MH": "rtc", "MR": "rtc", "MMR": "eofb"}


def assert_same_image(expected: Image.Image, actual: Image.Image):
    assert actual.mode == "1" and actual.size == expected.size
    assert np.array_equal(np.asarray(actual), np.asarray(expected))


@pytest.mark.parametrize("width", corpus.FAX_WIDTHS + (1, 7, 13, 5300))
@pytest.mark.parametrize("coding", CODINGS)
def test_every_case_round_trips(coding, width):
    for name, image in corpus.small_cases(width).items():
        decoded, report = decode(encode(image, coding), width, coding)
        assert_same_image(image, decoded)
        assert report == DecodeReport(image.size[1], 0, 0, END_OF_PAGE[coding],
                                      report.bits_used), name


@pytest.mark.parametrize("coding", CODINGS)
def test_full_pages_round_trip(coding):
    for image in (corpus.text_page(), corpus.dithered_photo()):
        decoded, report = decode(encode(image, coding), 1728, coding)
        assert_same_image(image, decoded)
        assert report.clean and report.lines == 2292


@pytest.mark.parametrize("coding", CODINGS)
def test_bit_orders_are_byte_reversals_of_each_other(coding):
    image = corpus.random_runs(1728, 20, seed=3)
    msb, lsb = encode(image, coding, bit_order="msb"), encode(image, coding, bit_order="lsb")
    assert bytes(int(f"{b:08b}"[::-1], 2) for b in msb) == lsb
    assert_same_image(image, decode(msb, 1728, coding, bit_order="msb")[0])


def test_mh_page_starts_with_eol_and_ends_with_rtc():
    bits = bit_string(encode(corpus.all_black(1728, 3), "MH", bit_order="msb"))
    assert bits.startswith("000000000001")
    assert bits.rstrip("0").endswith("000000000001" * 6)  # T.4 4.1.4
    assert len(eol_ends(bits)) == 1 + 2 + 6  # first, between lines, RTC


def test_mmr_page_has_no_eol_but_ends_with_eofb():
    bits = bit_string(encode(corpus.alternating(1728), "MMR", bit_order="msb"))
    assert eol_ends(bits) == [eol_ends(bits)[0], eol_ends(bits)[0] + 12]  # EOFB only
    assert bits.rstrip("0").endswith("000000000001" * 2)  # T.6 2.2.3


@pytest.mark.parametrize(("options", "expected_k"), [
    ({"resolution": "standard"}, 2), ({"resolution": "fine"}, 4),
    ({"resolution": "superfine"}, 4), ({}, 4), ({"k": 1}, 1), ({"k": 3}, 3),
])
def test_mr_tag_bits_follow_the_k_factor(options, expected_k):
    image = corpus.random_runs(1728, 13, seed=5)
    bits = bit_string(encode(image, "MR", bit_order="msb", **options))
    tags = [bits[end] for end in eol_ends(bits)]
    line_tags = tags[:13]
    assert line_tags == ["1" if y % expected_k == 0 else "0" for y in range(13)]
    assert tags[13:] == ["1"] * 6  # RTC is EOL+1 six times (T.4 4.2.2)


@pytest.mark.parametrize("coding", ["MH", "MR"])
def test_aligned_eols_end_on_byte_boundaries(coding):
    bits = bit_string(encode(corpus.random_runs(2048, 30, seed=1), coding, align_eol=True,
                             bit_order="msb"))
    ends = eol_ends(bits)
    assert len(ends) == 1 + 29 + 6
    assert all(end % 8 == 0 for end in ends)


def line_lengths(bits: str, coding: str) -> list[int]:
    """DATA + FILL + EOL(+tag) bits of every line: from one line start to the next."""
    tag = 1 if coding == "MR" else 0
    starts = [end + tag for end in eol_ends(bits)]
    return [b - a for a, b in zip(starts, starts[1:])]


@pytest.mark.parametrize("coding", ["MH", "MR"])
@pytest.mark.parametrize(("ms", "rate"), [(5, 2400), (10, 4800), (20, 9600), (40, 14400)])
def test_fill_makes_every_line_last_the_minimum_scan_time(coding, ms, rate):
    image = corpus.random_runs(1728, 30, seed=9)
    bare = line_lengths(bit_string(encode(image, coding, bit_order="msb")), coding)[:30]
    bits = bit_string(encode(image, coding, bit_order="msb", min_scan_ms=ms, bit_rate=rate))
    filled = line_lengths(bits, coding)[:30]
    minimum = math.ceil(ms * rate / 1000)
    assert minimum == min_line_bits(ms, rate)
    # T.4 4.1.3: fill only where a line is too short, and then exactly up to the minimum.
    assert filled == [max(length, minimum) for length in bare]
    assert_same_image(image, decode(bits_to_bytes(bits), 1728, coding, bit_order="msb")[0])


def bits_to_bytes(bits: str) -> bytes:
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


@pytest.mark.parametrize("coding", CODINGS)
def test_without_page_end_decoding_stops_at_end_of_data(coding):
    image = corpus.edge_pixels(2432)
    decoded, report = decode(encode(image, coding, end_of_page=False), 2432, coding)
    assert_same_image(image, decoded)
    assert report.end == "end_of_data" and report.clean


@pytest.mark.parametrize("coding", CODINGS)
def test_decoding_stops_at_the_page_end_and_ignores_what_follows(coding):
    image = corpus.random_runs(1728, 10, seed=4)
    data = encode(image, coding) + encode(corpus.all_black(1728), coding)
    decoded, report = decode(data, 1728, coding)
    assert_same_image(image, decoded)
    assert report.end == END_OF_PAGE[coding]


@pytest.mark.parametrize("coding", CODINGS)
def test_height_stops_early_or_pads_with_white_bad_lines(coding):
    image = corpus.random_runs(1728, 10, seed=6)
    data = encode(image, coding)
    top, report = decode(data, 1728, coding, height=4)
    assert_same_image(image.crop((0, 0, 1728, 4)), top)
    assert report.end == "height" and report.clean
    padded, report = decode(data, 1728, coding, height=14)
    assert_same_image(image, padded.crop((0, 0, 1728, 10)))
    assert np.asarray(padded)[10:].all()  # white
    assert (report.lines, report.bad_lines, report.longest_bad_run) == (14, 4, 4)


def test_long_pages_grow_past_the_initial_buffer():
    image = corpus.random_runs(1728, 5000, seed=8)
    decoded, report = decode(encode(image, "MR"), 1728, "MR")
    assert_same_image(image, decoded)
    assert report.lines == 5000


def test_max_lines_limits_the_page():
    data = encode(corpus.all_white(1728, 50), "MH")
    decoded, report = decode(data, 1728, "MH", max_lines=20)
    assert decoded.size == (1728, 20) and report.end == "max_lines"


@pytest.mark.parametrize(("call", "message"), [
    (lambda: encode(corpus.all_white(1728), "G4"), "coding"),
    (lambda: encode(Image.new("L", (1728, 4)), "MH"), "mode"),
    (lambda: encode(b"not an image", "MH"), "Pillow image"),
    (lambda: encode(corpus.all_white(1728), "MH", min_scan_ms=7), "min_scan_ms"),
    (lambda: encode(corpus.all_white(1728), "MH", min_scan_ms=10, bit_rate=0), "bit_rate"),
    (lambda: encode(corpus.all_white(1728), "MR", k=0), "k must"),
    (lambda: encode(corpus.all_white(1728), "MR", resolution="ultra"), "resolution"),
    (lambda: encode(corpus.all_white(1728), "MMR", min_scan_ms=10), "MMR"),
    (lambda: encode(corpus.all_white(1728), "MMR", align_eol=True), "MMR"),
    (lambda: encode(corpus.all_white(1728), "MH", bit_order="big"), "bit_order"),
    (lambda: decode(b"", 0, "MH"), "width"),
    (lambda: decode(b"", 8193, "MH"), "width"),
    (lambda: encode(corpus.all_white(8193), "MH"), "size"),
    (lambda: decode(b"", 1728, "MH", height=-1), "height"),
    (lambda: decode("text", 1728, "MH"), "bytes-like"),
    (lambda: decode(b"", 1728, "T6"), "coding"),
])
def test_bad_arguments_raise_g3error(call, message):
    with pytest.raises(G3Error, match=message):
        call()


def test_warm_up_compiles_every_kernel_and_reports_its_time():
    assert 0 < warm_up() < 120


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), width=st.integers(1, 3000), height=st.integers(1, 12),
       coding=st.sampled_from(CODINGS), bit_order=st.sampled_from(["lsb", "msb"]),
       k=st.integers(1, 6), min_scan_ms=st.sampled_from([0, 5, 10, 20, 40]),
       align_eol=st.booleans(), end_of_page=st.booleans())
def test_any_page_with_any_options_round_trips(seed, width, height, coding, bit_order, k,
                                               min_scan_ms, align_eol, end_of_page):
    image = corpus.random_runs(width, height, seed)
    options = {"bit_order": bit_order, "end_of_page": end_of_page}
    if coding != "MMR":
        options.update(k=k, min_scan_ms=min_scan_ms, bit_rate=4800, align_eol=align_eol)
    decoded, report = decode(encode(image, coding, **options), width, coding,
                             bit_order=bit_order)
    assert_same_image(image, decoded)
    assert report.clean
    assert report.end == (END_OF_PAGE[coding] if end_of_page else "end_of_data")
