"""The codec side of the runner: pages fitted to the agreed format, encoded and decoded."""

import numpy as np
from PIL import Image

from faxgw.modem.pages import ImagePages, fit_page, received_tiff
from faxgw.page_decoder import G3Decoder
from faxgw.session import Coding, PageFormat, ReceivedPage, Resolution

FINE_MR = PageFormat(Coding.MR, Resolution.FINE, 1728, 0, 14400)


def image(ink: np.ndarray) -> Image.Image:
    return Image.fromarray(~ink)


def test_fine_to_standard_ors_line_pairs_so_thin_lines_survive():
    ink = np.zeros((5, 1728), bool)
    ink[1, 10] = True  # a one-line stroke on the odd line of the first pair
    ink[4, 20] = True  # the last, unpaired line
    fmt = PageFormat(Coding.MH, Resolution.STANDARD, 1728, 0, 9600)
    out = ~np.asarray(fit_page(image(ink), Resolution.FINE, fmt), dtype=bool)
    assert out.shape == (3, 1728)
    assert out[0, 10] and out[2, 20] and out.sum() == 2


def test_standard_to_superfine_repeats_each_line_four_times():
    ink = np.eye(3, 1728, dtype=bool)
    fmt = PageFormat(Coding.MH, Resolution.SUPERFINE, 1728, 0, 9600)
    out = ~np.asarray(fit_page(image(ink), Resolution.STANDARD, fmt), dtype=bool)
    assert out.shape == (12, 1728) and out[:4, 0].all() and out[4:8, 1].all()


def test_width_is_cut_in_the_middle_or_centred_on_white():
    wide = np.zeros((2, 2048), bool)
    wide[:, 160] = True  # 160 is the first column kept when 2048 becomes 1728
    out = ~np.asarray(fit_page(image(wide), Resolution.FINE, FINE_MR), dtype=bool)
    assert out.shape == (2, 1728) and out[:, 0].all() and out.sum() == 2
    narrow = np.ones((2, 1000), bool)
    out = ~np.asarray(fit_page(image(narrow), Resolution.FINE, FINE_MR), dtype=bool)
    left = (1728 - 1000) // 2  # T.4 2.2 centres a narrower line, as the daemon sends it
    assert out[:, left:left + 1000].all() and out.sum() == 2 * 1000


def test_encoded_pages_decode_to_the_same_pixels_with_a_clean_report():
    rng = np.random.default_rng(1)
    ink = rng.random((64, 1728)) < 0.05
    data = ImagePages([image(ink)], Resolution.FINE).encode(0, FINE_MR)
    decoded, quality = G3Decoder().decode(data, FINE_MR)
    assert np.array_equal(~np.asarray(decoded, dtype=bool), ink)
    assert (quality.total_lines, quality.bad_lines) == (64, 0)


def test_min_scan_time_pads_short_lines():
    blank = np.zeros((20, 1728), bool)
    quick = ImagePages([image(blank)], Resolution.FINE).encode(0, FINE_MR)
    slow_fmt = PageFormat(Coding.MR, Resolution.FINE, 1728, 20, 14400)  # 288 bits a line
    slow = ImagePages([image(blank)], Resolution.FINE).encode(0, slow_fmt)
    assert len(slow) * 8 >= 20 * slow_fmt.min_line_bits > len(quick) * 8


def test_received_pages_become_a_tiff_class_f():
    from faxgw.g3.tiff import read_tiff

    ink = np.zeros((10, 1728), bool)
    ink[5, 100:200] = True
    page = ReceivedPage(0, FINE_MR, b"", image(ink), 10, 0)
    pages = read_tiff(received_tiff([page]))
    assert len(pages) == 1 and pages[0].y_dpi == 196
    assert np.array_equal(~np.asarray(pages[0].image, dtype=bool), ink)
