"""Rendering onto the fax grid: page counts, sizes, resolution, where content lands."""

import datetime as dt
import io

import numpy as np
import pytest
from PIL import Image

from faxgw.documents import (Binarisation, CoverPage, DocumentError, ErrorCode, HeaderLine,
                             RenderOptions, Resolution, render_all)
from faxgw.documents.geometry import A4_MM, LETTER_MM, MM_PER_INCH
from tests.unit.documents import corpus
from tests.unit.documents.pagecheck import black, expected_marker_px, ink_box, search_area

A4_IN = tuple(v / MM_PER_INCH for v in A4_MM)
LETTER_IN = tuple(v / MM_PER_INCH for v in LETTER_MM)
NOW = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.timezone.utc)


def render(data, **options):
    return render_all(data if isinstance(data, list) else [data], RenderOptions(**options), now=NOW)


@pytest.mark.parametrize("resolution, a4_lines", [
    (Resolution.STANDARD, 1146), (Resolution.FINE, 2292), (Resolution.SUPERFINE, 4572)])
def test_a4_pages_are_1728_wide_and_as_long_as_a4(resolution, a4_lines):
    pages = render(corpus.text_pdf(3), resolution=resolution)
    assert len(pages) == 3
    for number, page in enumerate(pages, start=1):
        assert page.image.mode == "1"
        assert page.size == (1728, pytest.approx(a4_lines, abs=1))
        assert page.resolution is resolution and page.number == number
        assert page.length_mm == pytest.approx(297, abs=0.3)


@pytest.mark.parametrize("resolution", list(Resolution))
def test_marker_lands_where_the_pdf_puts_it(resolution):
    page = render(corpus.text_pdf(1), resolution=resolution)[0]
    x, y, side = expected_marker_px(A4_IN, resolution.y_dpi)
    left, top, right, bottom = ink_box(page.image, search_area(x, y, side, resolution.y_dpi))
    assert (left, right) == (pytest.approx(x, abs=1.5), pytest.approx(x + side, abs=1.5))
    y_side = side * resolution.y_dpi / 204
    assert (top, bottom) == (pytest.approx(y, abs=1.5), pytest.approx(y + y_side, abs=1.5))


def test_letter_is_scaled_to_the_line_without_distortion():
    page = render(corpus.letter_pdf())[0]
    scale = 1728 / (8.5 * 204)
    assert page.height == pytest.approx(11 * scale * 196, abs=1)
    x, y, side = expected_marker_px(LETTER_IN, 196)
    left, top, right, bottom = ink_box(page.image, search_area(x, y, side))
    assert right - left == pytest.approx(36 / 72 * 204 * scale, abs=1.5)
    assert bottom - top == pytest.approx(36 / 72 * 196 * scale, abs=1.5)
    assert left == pytest.approx(x, abs=1.5)


def test_a4_is_centred_across_the_wider_fax_line():
    page = render(corpus.text_pdf(1, marker=False))[0]
    ink = black(page.image)
    columns = np.flatnonzero(ink.any(axis=0))
    margin_px = (1728 - round(210 / MM_PER_INCH * 204)) // 2
    assert columns[0] >= 72 / 72 * 204 + margin_px - 2  # text starts 1 inch in, plus the margin


def test_landscape_page_is_turned_to_portrait():
    page = render(corpus.landscape_pdf())[0]
    assert page.size == (1728, pytest.approx(2292, abs=1))
    # The landscape marker sits near its top-left; turned anticlockwise, the top edge runs
    # down the left side, so the marker ends near the bottom-left of the fax page.
    ink = black(page.image)
    x_pt, y_pt = corpus.MARKER_AT
    expected_x = 20 + (y_pt + 18) / 72 * 204
    expected_y = (842 - x_pt - 18) / 72 * 196
    assert ink[round(expected_y), round(expected_x)]
    assert not ink[round(x_pt / 72 * 196), round(y_pt / 72 * 204)]


def test_long_pages_keep_their_length_up_to_b4_then_shrink():
    legal = (612, 1008)  # US legal, 356 mm: fits under B4 and keeps its length
    page = render(corpus.text_pdf(1, pagesize=legal))[0]
    width_scale = 1728 / (8.5 * 204)  # 8.5 inches is 6 pixels wider than the fax line
    assert page.height == pytest.approx(14 * width_scale * 196, abs=1)
    very_long = (595, 1700)  # 600 mm: shrunk to B4 length, width shrinks with it
    page = render(corpus.text_pdf(1, pagesize=very_long))[0]
    assert page.length_mm == pytest.approx(364, abs=0.5)
    assert black(page.image).any(axis=0).nonzero()[0][-1] < 1600


def test_text_document_is_typeset_and_paginated():
    text = "\n".join(f"line {i}: " + "x" * 100 for i in range(130)).encode()
    pages = render(text)
    # 100-char lines wrap into two; 260 lines at 58 a page.
    assert len(pages) == 5
    assert all(page.size[0] == 1728 for page in pages)
    assert black(pages[0].image)[300:500].any()
    assert pages[0].treatment == "threshold"


def test_form_feed_starts_a_new_page():
    pages = render(b"first page\fsecond page\n")
    assert len(pages) == 2 and all(black(p.image).any() for p in pages)


def test_photo_pages_are_dithered_and_text_pages_thresholded():
    text_page = render(corpus.text_pdf(1))[0]
    photo_page = render(corpus.photo_pdf(1))[0]
    assert text_page.treatment == "threshold"
    assert photo_page.treatment in ("dither", "mixed")
    # Dithering leaves a photo's mid-tones as a fine mix: many short runs in a mid-grey area.
    area = black(photo_page.image)[600:1400, 300:1400]
    assert 0.1 < area.mean() < 0.9
    transitions = np.count_nonzero(area[:, 1:] != area[:, :-1])
    assert transitions > area.size * 0.1


def test_binarisation_override():
    forced = render(corpus.photo_pdf(1), binarisation=Binarisation.THRESHOLD)[0]
    assert forced.treatment == "threshold"
    area = black(forced.image)[600:1400, 300:1400]
    assert np.count_nonzero(area[:, 1:] != area[:, :-1]) < area.size * 0.05
    assert render(corpus.text_pdf(1), binarisation=Binarisation.DITHER)[0].treatment == "dither"


def test_fax_tiff_passes_through_pixel_for_pixel():
    data, frames = corpus.fax_tiff(2, y_dpi=196)
    pages = render(data, resolution=Resolution.FINE)
    assert [p.treatment for p in pages] == ["passthrough", "passthrough"]
    for page, frame in zip(pages, frames):
        assert np.array_equal(np.asarray(page.image), np.asarray(frame))


def test_fax_tiff_at_another_resolution_is_rescaled():
    data, frames = corpus.fax_tiff(1, y_dpi=98)
    page = render(data, resolution=Resolution.FINE)[0]
    assert page.treatment != "passthrough"
    assert page.height == pytest.approx(frames[0].height * 2, abs=2)


def test_images_use_their_dpi():
    scan = corpus.image_bytes(corpus.scan_page(200), "PNG", dpi=(200, 200))
    page = render(scan)[0]
    x, y, side = expected_marker_px(A4_IN, 196)
    left, top, right, bottom = ink_box(page.image, search_area(x, y, side))
    assert left == pytest.approx(x, abs=3) and top == pytest.approx(y, abs=3)
    assert right - left == pytest.approx(side, abs=3)


# Without a dpi the picture fills the A4 width (1687 px); Pillow writes BMPs at 96 dpi.
@pytest.mark.parametrize("fmt, width_px", [
    ("PNG", 1687), ("JPEG", 1687), ("GIF", 1687), ("TIFF", 1687), ("BMP", 600 / 96 * 204)])
def test_every_image_type_renders(fmt, width_px):
    image = corpus.photo(3, (600, 800)).convert("RGB")
    page = render(corpus.image_bytes(image, fmt))[0]
    assert page.width == 1728 and page.image.mode == "1"
    ink_columns = np.flatnonzero(black(page.image).any(axis=0))
    assert ink_columns[-1] - ink_columns[0] + 1 == pytest.approx(width_px, abs=4)


def test_transparent_png_is_on_white_paper():
    image = Image.new("RGBA", (400, 500), (0, 0, 0, 0))
    page = render(corpus.image_bytes(image, "PNG"))[0]
    assert not black(page.image).any()


def test_multipage_tiff_gives_a_page_per_frame():
    assert len(render(corpus.multipage_tiff(3))) == 3


@pytest.mark.parametrize("fmt", ["GIF", "PNG"])  # an animated GIF, an APNG
def test_an_animation_is_one_page_its_first_frame_as_a_viewer_shows_it(fmt):
    """A multi-page TIFF is a document; an animation is one picture whose frames are moments,
    and a printer prints the first. So it is one page (also in the page count at submit)."""
    frames = []
    for left in (100, 500, 900):  # a black bar moving across
        frame = Image.new("L", (1200, 1600), 255)
        frame.paste(0, (left, 200, left + 200, 1400))
        frames.append(frame.convert("P") if fmt == "GIF" else frame)
    data = corpus.image_bytes(frames[0], fmt, save_all=True, append_images=frames[1:], duration=200)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    [page] = render(data)
    columns = np.flatnonzero(black(page.image).any(axis=0))
    scale = 1687 / 1200  # the picture fills the A4 width
    assert columns[0] == pytest.approx(page.width // 2 - 1687 // 2 + 100 * scale, abs=4)
    assert columns[-1] - columns[0] + 1 == pytest.approx(200 * scale, abs=4)  # one bar: frame 1 only


def test_cover_page_comes_first_and_counts():
    cover = CoverPage(to="Ada Lovelace", to_number="+44 20 7946 0000", sender="Charles",
                      subject="Engines", message="Please find the notes enclosed.")
    pages = render([corpus.text_pdf(2), b"hello\n"], cover=cover)
    assert [(p.number, p.document, p.source_page) for p in pages] == [
        (1, None, 1), (2, 0, 1), (3, 0, 2), (4, 1, 1)]
    assert pages[0].is_cover and black(pages[0].image)[200:1200].mean() > 0.01


def test_header_line_on_every_page_and_differs_by_page_number():
    header = HeaderLine(sender_name="ACME", sender_number="+1 555 0100")
    pages = render(corpus.text_pdf(3), header=header)
    strips = [black(p.image)[:40] for p in pages]
    assert all(strip.any() for strip in strips)
    assert not np.array_equal(strips[0], strips[1])  # "page 1 of 3" vs "page 2 of 3"
    plain = render(corpus.text_pdf(1))[0]
    assert not black(plain.image)[:40].any()


@pytest.mark.parametrize("resolution", list(Resolution))
def test_header_height_follows_the_line_spacing(resolution):
    page = render(b"x\n", header=HeaderLine(sender_name="ACME"), resolution=resolution)[0]
    rows = np.flatnonzero(black(page.image)[: round(10 / MM_PER_INCH * resolution.y_dpi)].any(axis=1))
    text_height_mm = (rows[-1] - rows[0] + 1) / resolution.y_dpi * MM_PER_INCH
    assert 2.0 < text_height_mm < 4.0


def test_render_errors_name_the_document():
    with pytest.raises(DocumentError) as caught:
        render([corpus.text_pdf(1), corpus.encrypted_pdf()])
    assert caught.value.code is ErrorCode.ENCRYPTED and caught.value.document == 1


def test_page_png_is_the_page():
    page = render(corpus.text_pdf(1), header=HeaderLine(sender_name="ACME"))[0]
    import io

    png = Image.open(io.BytesIO(page.to_png()))
    assert png.size == page.size
    assert np.array_equal(black(png), black(page.image))
    assert png.info["dpi"] == pytest.approx((204, 196), abs=0.5)
    square = Image.open(io.BytesIO(page.to_png(square_pixels=True)))
    assert square.height == pytest.approx(page.height * 204 / 196, abs=1)


def test_a_page_rotated_by_its_rotate_key_is_placed_as_displayed():
    # A4 MediaBox with /Rotate 90 displays as landscape; turned back a quarter for the fax,
    # the square drawn at (100, 600)-(150, 700) pt lands where the unrotated page has it.
    import io as _io

    from reportlab.pdfgen import canvas

    out = _io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(595, 842))
    pdf.setPageRotation(90)
    pdf.rect(100, 600, 50, 100, stroke=0, fill=1)
    pdf.showPage()
    pdf.save()
    page = render(out.getvalue())[0]
    assert page.size == (1728, pytest.approx(2292, abs=1))
    left = (1728 - round(595 / 72 * 204)) // 2
    rows, cols = np.nonzero(black(page.image))
    assert (cols.min(), cols.max() + 1) == (pytest.approx(left + 100 / 72 * 204, abs=2),
                                            pytest.approx(left + 150 / 72 * 204, abs=2))
    assert (rows.min(), rows.max() + 1) == (pytest.approx(142 / 72 * 196, abs=2), pytest.approx(242 / 72 * 196, abs=2))


def test_a_camera_photo_is_turned_upright_by_its_exif_orientation():
    # Stored 800 wide x 600 high with "rotate 90 clockwise to view": shown portrait, 600 x 800,
    # with the black band that is on the stored left edge at the top.
    stored = Image.new("L", (800, 600), 255)
    stored.paste(0, (0, 0, 100, 600))
    exif = Image.Exif()
    exif[0x0112] = 6
    page = render(corpus.image_bytes(stored, "JPEG", exif=exif.tobytes(), quality=95))[0]
    rows = np.flatnonzero(black(page.image).any(axis=1))
    cols = np.flatnonzero(black(page.image).any(axis=0))
    assert rows[0] < 10 and rows[-1] < page.height * 0.2  # the band runs across the top
    assert cols[-1] - cols[0] > 1500


def test_filled_in_form_fields_are_printed():
    # A referral form's answers live in form widgets, not in the page content.
    import io as _io

    from reportlab.pdfgen import canvas

    out = _io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(595, 842))
    pdf.drawString(100, 660, "Patient name:")
    pdf.acroForm.textfield(name="patient", value="JOHN DOE 1234567", x=100, y=600, width=300, height=40,
                           fontSize=24, borderWidth=0)
    pdf.showPage()
    pdf.save()
    page = render(out.getvalue())[0]
    ink = black(page.image)
    field = ink[round((842 - 640) / 72 * 196):round((842 - 600) / 72 * 196), 20 + 283:20 + 1133]
    assert field.sum() > 2000  # the typed value, not an empty box
