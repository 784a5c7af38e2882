"""The page geometry rules on real renderings: pages are scaled to the 1728-pixel line
without distortion and never enlarged, a landscape page is turned when that prints it larger,
and a page keeps its own length up to B4 (364 mm, the longest page T.4 names)."""

import pytest
from hypothesis import given, strategies as st
from reportlab.lib.pagesizes import A3, A5, LETTER, landscape

from faxgw.documents import RenderOptions, Resolution, render_all
from faxgw.documents.geometry import LINE_WIDTH_PX, MAX_LENGTH_MM, MM_PER_INCH, X_DPI, place
from tests.unit.documents import corpus
from tests.unit.documents.corpus import MARKER_AT, MARKER_SIDE_PT
from tests.unit.documents.pagecheck import ink_box

LINE_IN = LINE_WIDTH_PX / X_DPI  # 8.47 in, 215 mm


def marker_size_in(page, pagesize, scale: float, rotated: bool, y_dpi: float = 196) -> tuple[float, float]:
    """Find the corpus marker (a 0.5-inch square) where the rules put it, computed here from
    the page size and the scale, and return its width and height on paper in inches."""
    width_pt = pagesize[0]
    kx, ky = scale * X_DPI / 72, scale * y_dpi / 72
    content_w = round((pagesize[1] if rotated else pagesize[0]) / 72 * scale * X_DPI)
    left = (LINE_WIDTH_PX - content_w) // 2
    # The marker's corners on the source page, in points from its top-left.
    left_pt, top_pt = MARKER_AT
    right_pt, bottom_pt = left_pt + MARKER_SIDE_PT, top_pt + MARKER_SIDE_PT
    if rotated:  # a quarter turn anticlockwise: the top edge runs up the left side
        x0, x1, y0, y1 = top_pt * kx, bottom_pt * kx, (width_pt - right_pt) * ky, (width_pt - left_pt) * ky
    else:
        x0, x1, y0, y1 = left_pt * kx, right_pt * kx, top_pt * ky, bottom_pt * ky
    margin = 12
    box = ink_box(page.image, (int(left + x0 - margin), int(y0 - margin), int(left + x1 + margin), int(y1 + margin)))
    assert box is not None, "no marker where the rules put it"
    found_left, found_top, found_right, found_bottom = box
    assert found_left == pytest.approx(left + x0, abs=1.5) and found_top == pytest.approx(y0, abs=1.5)
    return (found_right - found_left) / X_DPI, (found_bottom - found_top) / y_dpi


def render_pdf(pagesize, resolution=Resolution.FINE):
    [page] = render_all([corpus.text_pdf(1, pagesize=pagesize)], RenderOptions(resolution=resolution))
    return page


@pytest.mark.parametrize("pagesize", [A3, landscape(A3)], ids=["A3", "A3-landscape"])
def test_a_page_wider_than_the_line_is_shrunk_to_it_without_distortion(pagesize):
    page = render_pdf(pagesize)
    short_in, long_in = sorted(side / 72 for side in pagesize)
    scale = LINE_IN / short_in  # 0.72: the short side fills the line, landscape A3 is turned
    assert page.height == pytest.approx(long_in * scale * 196, abs=1)
    assert page.length_mm == pytest.approx(420 * scale, abs=0.5)  # 304 mm, under B4
    # The marker is a 0.5-inch square: still square, and shrunk by the same factor.
    width_in, height_in = marker_size_in(page, pagesize, scale, rotated=pagesize[0] > pagesize[1])
    assert width_in == pytest.approx(0.5 * scale, abs=1.5 / X_DPI)
    assert height_in == pytest.approx(0.5 * scale, abs=1.5 / 196)


def test_letter_landscape_is_turned_and_fills_the_line():
    page = render_pdf(landscape(LETTER))
    scale = LINE_IN / 8.5
    assert page.height == pytest.approx(11 * scale * 196, abs=1)
    width_in, height_in = marker_size_in(page, landscape(LETTER), scale, rotated=True)
    assert width_in == pytest.approx(0.5 * scale, abs=1.5 / X_DPI)
    assert height_in == pytest.approx(0.5 * scale, abs=1.5 / 196)


def test_a_landscape_page_that_fits_the_line_stays_upright():
    page = render_pdf(landscape(A5))  # 210 x 148 mm: as wide as A4, it fits as it is
    assert page.length_mm == pytest.approx(148, abs=0.3)
    width_in, height_in = marker_size_in(page, landscape(A5), 1.0, rotated=False)
    assert width_in == pytest.approx(0.5, abs=1.5 / X_DPI) and height_in == pytest.approx(0.5, abs=1.5 / 196)


def test_a_short_page_is_not_enlarged_and_keeps_its_length():
    page = render_pdf(A5)
    assert page.length_mm == pytest.approx(210, abs=0.3)
    width_in, height_in = marker_size_in(page, A5, 1.0, rotated=False)
    assert width_in == pytest.approx(0.5, abs=1.5 / X_DPI) and height_in == pytest.approx(0.5, abs=1.5 / 196)


@given(st.floats(0.5, 60), st.floats(0.5, 60), st.sampled_from(list(Resolution)))
def test_placement_fits_the_line_and_b4_scales_uniformly_and_never_enlarges(width_in, height_in, resolution):
    p = place(width_in, height_in, resolution)
    w, h = (height_in, width_in) if p.rotate else (width_in, height_in)
    assert p.rotate <= (width_in > height_in)  # only landscape pages are turned
    assert 0 < p.scale <= 1
    assert p.content_width_px <= LINE_WIDTH_PX and p.left_px + p.content_width_px <= LINE_WIDTH_PX
    assert p.height_px / resolution.y_dpi * MM_PER_INCH <= MAX_LENGTH_MM + 0.2
    assert p.content_width_px == pytest.approx(w * p.scale * X_DPI, abs=1)
    assert p.content_height_px == pytest.approx(h * p.scale * resolution.y_dpi, abs=1)
    if w <= LINE_IN and h * MM_PER_INCH <= MAX_LENGTH_MM:
        assert p.scale == 1  # fits: printed at its own size
    if p.rotate:  # turned only when that prints it larger than upright
        upright = min(1, LINE_IN / width_in, MAX_LENGTH_MM / MM_PER_INCH / height_in)
        assert p.scale > upright
