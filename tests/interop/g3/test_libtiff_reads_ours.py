"""libtiff decodes what our encoder writes to exactly the pixels we encoded.

Two paths into libtiff: our TIFF Class F (faxgw.g3.tiff.write_tiff) opened by Pillow, and
raw streams (faxgw.g3.encode) given to fax2tiff.
"""

from __future__ import annotations

import numpy as np
import pytest

from faxgw.g3 import encode
from faxgw.g3.tiff import Page, write_tiff
from tests.interop.g3.tools import fax2tiff_black_mask, libtiff_black_masks
from tests.unit.g3 import corpus

pytestmark = pytest.mark.interop

CODINGS = ("MH", "MR", "MMR")
TIFF_OPTIONS = {
    "defaults": {},
    "fill_order_2": {"fill_order": 2},
    "eol_not_aligned": {"align_eol": False},
    "k1_all_1d": {"k": 1},
    "k2_standard": {"k": 2},
    "k_huge_all_2d": {"k": 10_000},
    "min_scan_20ms_9600": {"min_scan_ms": 20, "bit_rate": 9600},
    "no_rtc": {"end_of_page": False},
}
NOT_FOR_MMR = {"eol_not_aligned", "k1_all_1d", "k2_standard", "k_huge_all_2d",
               "min_scan_20ms_9600"}


def assert_same_pixels(expected_image, libtiff_mask, label=""):
    expected = corpus.black_mask(expected_image)
    assert libtiff_mask.shape == expected.shape, label
    differ = np.argwhere(libtiff_mask != expected)
    assert differ.size == 0, f"{label}: {len(differ)} pixels differ, first (y, x) {differ[:3]}"


@pytest.mark.parametrize("width", corpus.FAX_WIDTHS)
@pytest.mark.parametrize(("coding", "option_name"), [
    (coding, name) for coding in CODINGS for name in TIFF_OPTIONS
    if not (coding == "MMR" and name in NOT_FOR_MMR)  # T.6 has no EOLs, fill or K factor
])
def test_libtiff_decodes_our_tiff_pages(coding, option_name, width):
    cases = corpus.small_cases(width)
    tiff = write_tiff([Page(image) for image in cases.values()], coding,
                      **TIFF_OPTIONS[option_name])
    masks = libtiff_black_masks(tiff)
    assert len(masks) == len(cases)
    for (name, image), mask in zip(cases.items(), masks):
        assert_same_pixels(image, mask, f"{coding} {option_name} {width} {name}")


@pytest.mark.parametrize("coding", CODINGS)
def test_libtiff_decodes_our_full_text_and_photo_pages(coding):
    pages = [corpus.text_page(), corpus.dithered_photo()]
    masks = libtiff_black_masks(write_tiff(pages, coding))
    for image, mask in zip(pages, masks):
        assert_same_pixels(image, mask, coding)


@pytest.mark.parametrize("coding", CODINGS)
def test_runs_longer_than_the_largest_makeup_code(coding):
    # T.4 4.1.1.1: runs beyond 2560 repeat the 2560 make-up code; only wide pages have them.
    image = corpus.makeup_boundary_runs(5300)
    (mask,) = libtiff_black_masks(write_tiff([image], coding))
    assert_same_pixels(image, mask, coding)


def test_colour_sense_text_is_black_on_white_for_libtiff():
    # In fax data 0 is white. A negative would show mostly black pixels.
    page = corpus.text_page()
    (mask,) = libtiff_black_masks(write_tiff([page], "MH"))
    assert 0.005 < mask.mean() < 0.2
    assert not mask[0:15].any() and mask[25, 100]  # white margin above a black rule


RAW_OPTIONS = {
    "lsb": {"bit_order": "lsb"},
    "msb": {"bit_order": "msb"},
    "aligned_eol": {"align_eol": True},
    "min_scan_40ms_14400": {"min_scan_ms": 40, "bit_rate": 14400},
    "min_scan_5ms_2400_standard_k": {"min_scan_ms": 5, "bit_rate": 2400, "resolution": "standard"},
}


# fax2tiff does not stop at RTC/EOFB: each EOL after the first of them starts another
# (empty, white) row. Their number proves the page end is complete: 6 EOLs, or 2 for EOFB.
# In MR the last EOL+1's tag bit starts one more row when zero padding follows it in the
# last byte (always so with aligned EOLs).
EXTRA_FAX2TIFF_ROWS = {"MH": {5}, "MR": {5, 6}, "MMR": {1}}


def assert_fax2tiff_pixels(image, mask, coding, label):
    height = image.size[1]
    assert mask.shape[0] - height in EXTRA_FAX2TIFF_ROWS[coding], label
    assert not mask[height:].any(), f"{label}: rows after the page end are not white"
    assert_same_pixels(image, mask[:height], label)


@pytest.mark.parametrize("width", corpus.FAX_WIDTHS)
@pytest.mark.parametrize(("coding", "option_name"), [
    (coding, name) for coding in CODINGS for name, options in RAW_OPTIONS.items()
    if not (coding == "MMR" and ("align_eol" in options or "min_scan_ms" in options))
])
def test_fax2tiff_decodes_our_raw_streams(coding, option_name, width, tmp_path):
    options = RAW_OPTIONS[option_name]
    image = corpus.random_runs(width, 60, seed=7)
    raw = encode(image, coding, **options)
    mask, stderr = fax2tiff_black_mask(raw, width, coding, options.get("bit_order", "lsb"),
                                       options.get("align_eol", False), tmp_path)
    assert "bad" not in stderr.lower(), stderr
    assert_fax2tiff_pixels(image, mask, coding, f"{coding} {option_name} {width}")


@pytest.mark.parametrize("coding", CODINGS)
def test_fax2tiff_decodes_our_text_page(coding, tmp_path):
    page = corpus.text_page()
    mask, stderr = fax2tiff_black_mask(encode(page, coding), 1728, coding, "lsb", False,
                                       tmp_path)
    assert "bad" not in stderr.lower(), stderr
    assert_fax2tiff_pixels(page, mask, coding, coding)


@pytest.mark.parametrize("coding", CODINGS)
def test_fax2tiff_decodes_our_stream_without_page_end(coding, tmp_path):
    image = corpus.edge_pixels(1728)
    raw = encode(image, coding, end_of_page=False, bit_order="msb")
    mask, stderr = fax2tiff_black_mask(raw, 1728, coding, "msb", False, tmp_path)
    assert "bad" not in stderr.lower(), stderr
    assert_same_pixels(image, mask, coding)
