"""Hypothesis-generated pages, coded by us and decoded by libtiff, and coded by libtiff
(Pillow's encoder) and decoded by us: always exactly the same pixels."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faxgw.g3.tiff import Page, read_tiff, write_tiff
from tests.interop.g3.tools import libtiff_black_masks
from tests.unit.g3 import corpus

pytestmark = pytest.mark.interop
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def pages(draw):
    """Lines built from runs of random lengths (short and long, both colours), so that
    every code table and every 2-D mode gets exercised; some lines repeat the one above
    or shift it a little, as real pages do (vertical and pass modes)."""
    width = draw(st.sampled_from(corpus.FAX_WIDTHS + (64, 333)))
    height = draw(st.integers(1, 12))
    rows = []
    for _ in range(height):
        kind = draw(st.sampled_from(["runs", "copy", "shift"])) if rows else "runs"
        if kind == "copy":
            rows.append(rows[-1].copy())
        elif kind == "shift":
            rows.append(np.roll(rows[-1], draw(st.integers(-4, 4))))
        else:
            lengths = draw(st.lists(st.one_of(st.integers(0, 70), st.integers(60, 2600)),
                                    max_size=30))
            line = np.zeros(width, bool)
            x, black = 0, draw(st.booleans())
            for length in lengths:
                line[x : x + length] = black
                x, black = x + length, not black
            rows.append(line)
    return corpus.from_black_mask(np.array(rows))


@EXAMPLES
@given(image=pages(), coding=st.sampled_from(["MH", "MR", "MMR"]),
       fill_order=st.sampled_from([1, 2]), k=st.integers(1, 5))
def test_libtiff_decodes_our_coding_of_any_page(image, coding, fill_order, k):
    options = {} if coding == "MMR" else {"k": k}
    (mask,) = libtiff_black_masks(write_tiff([Page(image)], coding, fill_order=fill_order,
                                             **options))
    assert np.array_equal(mask, corpus.black_mask(image))


@EXAMPLES
@given(image=pages(), compression=st.sampled_from(["group3", "group4"]))
def test_we_decode_libtiffs_coding_of_any_page(image, compression):
    buffer = io.BytesIO()
    image.save(buffer, "TIFF", compression=compression)
    (page,) = read_tiff(buffer.getvalue())
    assert np.array_equal(corpus.black_mask(page.image), corpus.black_mask(image))
    assert page.report.clean
