"""Pages kept for a fax and encoded per call: only the unconfirmed ones, at the resolution
the receiver agreed to, decodable by the codec."""

import numpy as np
from PIL import Image

import faxgw.g3 as g3
from faxgw.scheduler.pages import RenderedPages, _save, _to_resolution
from faxgw.session import Coding, PageFormat, Resolution


def page(number: int, height: int = 400) -> Image.Image:
    ink = np.zeros((height, 1728), bool)
    ink[50:60, 100 * number:100 * number + 80] = True
    ink[201, :] = True  # a one-line rule: must survive halving the lines
    return Image.fromarray(~ink)


def test_retry_pages_are_the_unconfirmed_ones_in_order(tmp_path):
    files = _save(tmp_path / "fax", [page(n) for n in (1, 2, 3, 4, 5)])
    source = RenderedPages(files, [3, 4, 5], "fine")
    assert source.page_count == 3
    fmt = PageFormat(Coding.MR, Resolution.FINE, 1728, 0, 14400)
    for index, number in enumerate([3, 4, 5]):
        image, report = g3.decode(source.encode(index, fmt), 1728, "MR")
        assert report.bad_lines == 0
        assert np.array_equal(np.array(image), np.array(page(number)))


def test_standard_resolution_halves_the_lines_and_keeps_thin_rules():
    fine = page(2)
    standard = _to_resolution(fine, Resolution.FINE, Resolution.STANDARD)
    assert standard.size == (1728, 200)
    ink = ~np.array(standard)
    assert ink[100, :].all()  # line 201 of the fine page is in pair 100
    assert ink[25:30, 200:280].all()


def test_mh_with_a_minimum_scan_time_pads_lines(tmp_path):
    files = _save(tmp_path / "fax", [page(1)])
    source = RenderedPages(files, [1], "fine")
    plain = source.encode(0, PageFormat(Coding.MH, Resolution.FINE, 1728, 0, 14400))
    padded = source.encode(0, PageFormat(Coding.MH, Resolution.FINE, 1728, 20, 14400))
    assert len(padded) > len(plain)
    image, report = g3.decode(padded, 1728, "MH")
    assert report.bad_lines == 0 and image.size == (1728, 400)
