"""Our decoder reads exactly the pixels in files that libtiff (tiffcp, Pillow's libtiff
encoder) and ghostscript (tiffg3, tiffg32d, tiffg4 devices) wrote."""

from __future__ import annotations

import io

import numpy as np
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from faxgw.g3.tiff import read_tiff, write_tiff
from tests.interop.g3.tools import ghostscript_fax_tiff, libtiff_black_masks, tiffcp
from tests.unit.g3 import corpus

pytestmark = pytest.mark.interop

TIFFCP_CODINGS = {
    "g3_1d": ["-c", "g3:1d"],
    "g3_1d_fill": ["-c", "g3:1d:fill"],
    "g3_2d": ["-c", "g3:2d"],
    "g3_2d_fill": ["-c", "g3:2d:fill"],
    "g4": ["-c", "g4"],
}
TIFFCP_LAYOUTS = {
    "one_strip": ["-r", "100000"],
    "strips_of_16_rows": ["-r", "16"],
    "fill_order_2": ["-f", "lsb2msb", "-r", "100000"],
    "big_endian": ["-B", "-r", "100000"],
}


def uncompressed_tiff(images) -> bytes:
    """Pillow's own writer: uncompressed, min-is-black (the opposite sense of fax data)."""
    buffer = io.BytesIO()
    images[0].save(buffer, "TIFF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def assert_pages_equal(expected_images, pages, label):
    assert len(pages) == len(expected_images), label
    for index, (image, page) in enumerate(zip(expected_images, pages)):
        expected = corpus.black_mask(image)
        ours = corpus.black_mask(page.image)
        assert ours.shape == expected.shape, f"{label} page {index}"
        differ = np.argwhere(ours != expected)
        assert differ.size == 0, f"{label} page {index}: {len(differ)} differ, {differ[:3]}"
        assert page.report.bad_lines == 0, f"{label} page {index}: {page.report}"


@pytest.mark.parametrize("layout", TIFFCP_LAYOUTS)
@pytest.mark.parametrize("coding", TIFFCP_CODINGS)
@pytest.mark.parametrize("width", corpus.FAX_WIDTHS)
def test_we_decode_tiffcp_output(width, coding, layout, tmp_path):
    images = list(corpus.small_cases(width).values())
    fax = tiffcp(uncompressed_tiff(images), TIFFCP_CODINGS[coding] + TIFFCP_LAYOUTS[layout],
                 tmp_path)
    assert_pages_equal(images, read_tiff(fax), f"{width} {coding} {layout}")


@pytest.mark.parametrize("coding", TIFFCP_CODINGS)
def test_we_decode_tiffcp_text_and_photo_pages(coding, tmp_path):
    images = [corpus.text_page(), corpus.dithered_photo()]
    fax = tiffcp(uncompressed_tiff(images), TIFFCP_CODINGS[coding], tmp_path)
    assert_pages_equal(images, read_tiff(fax), coding)


@pytest.mark.parametrize("coding", TIFFCP_CODINGS)
def test_we_decode_libtiff_reencoding_a_min_is_white_file(coding, tmp_path):
    # Our own Class F file is min-is-white; tiffcp keeps that and codes it with libtiff.
    images = [corpus.text_page(size=(1728, 400)), corpus.makeup_boundary_runs(2432)]
    fax = tiffcp(write_tiff(images, "MH"), TIFFCP_CODINGS[coding], tmp_path)
    assert_pages_equal(images, read_tiff(fax), coding)


@pytest.mark.parametrize("compression", ["group3", "group4"])
def test_we_decode_pillow_libtiff_encoder_output(compression):
    image = corpus.text_page(size=(1728, 600))
    buffer = io.BytesIO()
    image.save(buffer, "TIFF", compression=compression)
    assert_pages_equal([image], read_tiff(buffer.getvalue()), compression)


def text_pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for page in range(2):
        pdf.setFont("Courier", 11)
        for line in range(60):
            pdf.drawString(40, 800 - line * 12, f"page {page + 1} line {line:02d} " + "faxgw " * 8)
        pdf.rect(40, 60, 200, 30, fill=1)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def ghostscript_files(tmp_path_factory):
    pdf = text_pdf()
    return {device: ghostscript_fax_tiff(pdf, device, tmp_path_factory.mktemp(device))
            for device in ("tiffg3", "tiffg32d", "tiffg4")}


@pytest.mark.parametrize("device", ["tiffg3", "tiffg32d", "tiffg4"])
def test_we_decode_ghostscript_fax_devices_as_libtiff_does(ghostscript_files, device):
    fax = ghostscript_files[device]
    pages = read_tiff(fax)
    libtiff = libtiff_black_masks(fax)
    assert len(pages) == len(libtiff) == 2
    for page, mask in zip(pages, libtiff):
        ours = corpus.black_mask(page.image)
        assert ours.shape == mask.shape
        assert np.array_equal(ours, mask), f"{device}: {(ours != mask).sum()} pixels differ"
        assert page.report.bad_lines == 0
        assert (page.x_dpi, page.y_dpi) == (204.0, 196.0)
        assert 0.005 < ours.mean() < 0.2  # black text on white, not a negative


def test_ghostscript_g3_and_g4_pages_are_the_same_picture(ghostscript_files):
    # Three codings of one rendering: decoding any of them must give the same pixels.
    decoded = {d: [corpus.black_mask(p.image) for p in read_tiff(f)]
               for d, f in ghostscript_files.items()}
    for first, second in zip(decoded["tiffg3"], decoded["tiffg4"]):
        assert np.array_equal(first, second)
    for first, second in zip(decoded["tiffg3"], decoded["tiffg32d"]):
        assert np.array_equal(first, second)
