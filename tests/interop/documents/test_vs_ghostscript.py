"""Our rendering against ghostscript's (tiffg3, as HylaFAX uses it) on the same PDFs.

ghostscript pads an A4 page (1687 pixels at 204 dpi) to the 1728-pixel fax line on the
right; we centre it. So x positions differ by exactly our left margin, and nothing else may.
"""

import io
import shutil
import subprocess

import pytest
from PIL import Image, ImageSequence
from reportlab.lib.pagesizes import A4, LETTER

from faxgw.documents import DocumentError, RenderOptions, Resolution, render_all
from faxgw.documents.geometry import place
from tests.unit.documents import corpus
from tests.unit.documents.pagecheck import black, expected_marker_px, ink_box, search_area

pytestmark = pytest.mark.interop
HYLAFAX_ARGS = ["-sPAPERSIZE=a4", "-dFIXEDMEDIA", "-dPDFFitPage"]


def ghostscript(pdf: bytes, tmp_path, y_dpi: int, extra=()) -> list[Image.Image]:
    """Pages ghostscript's tiffg3 device makes of ``pdf`` (its exit status checked)."""
    assert shutil.which("gs"), "ghostscript (gs) is not installed: apt-get install ghostscript"
    source, output = tmp_path / "in.pdf", tmp_path / "out.tif"
    source.write_bytes(pdf)
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffg3",
                    f"-r204x{y_dpi}", *extra, f"-sOutputFile={output}", str(source)],
                   check=True, capture_output=True, timeout=60)
    if not output.exists() or output.stat().st_size == 0:
        return []
    with Image.open(io.BytesIO(output.read_bytes())) as tiff:
        return [frame.convert("1") for frame in ImageSequence.Iterator(tiff)]


def ours(pdf: bytes, resolution: Resolution):
    return render_all([pdf], RenderOptions(resolution=resolution))


@pytest.mark.parametrize("resolution", [Resolution.STANDARD, Resolution.FINE])
def test_same_pages_same_size_content_in_the_same_place(tmp_path, resolution):
    pdf = corpus.text_pdf(4)
    gs_pages = ghostscript(pdf, tmp_path, int(resolution.y_dpi))
    our_pages = ours(pdf, resolution)
    assert len(our_pages) == len(gs_pages) == 4
    offset = place(A4[0] / 72, A4[1] / 72, resolution).left_px
    x, y, side = expected_marker_px((A4[0] / 72, A4[1] / 72), resolution.y_dpi)
    area = search_area(x, y, side, resolution.y_dpi)
    gs_area = (area[0] - offset, area[1], area[2] - offset, area[3])
    for gs_page, our_page in zip(gs_pages, our_pages):
        assert gs_page.width == our_page.width == 1728
        assert our_page.height == pytest.approx(gs_page.height, abs=2)
        gs_box = ink_box(gs_page, gs_area)
        our_box = ink_box(our_page.image, area)
        assert our_box == pytest.approx((gs_box[0] + offset, gs_box[1], gs_box[2] + offset, gs_box[3]), abs=2)


def test_a_character_is_where_ghostscript_puts_it(tmp_path):
    pdf = corpus.text_pdf(1)
    gs_page = ghostscript(pdf, tmp_path, 196)[0]
    our_page = ours(pdf, Resolution.FINE)[0].image
    offset = place(A4[0] / 72, A4[1] / 72, Resolution.FINE).left_px
    gx, gy = corpus.GLYPH_AT
    top, bottom = round((gy - corpus.GLYPH_SIZE_PT) * 196 / 72), round((gy + 8) * 196 / 72)
    left, right = round((gx - 10) * 204 / 72), round((gx + corpus.GLYPH_SIZE_PT) * 204 / 72)
    gs_glyph = black(gs_page)[top:bottom, left:right]
    our_glyph = black(our_page)[top:bottom, left + offset:right + offset]
    assert gs_glyph.sum() > 500, "ghostscript drew no glyph where the PDF put one"
    assert ink_box(our_page, (left + offset, top, right + offset, bottom)) == pytest.approx(
        tuple(v + d for v, d in zip(ink_box(gs_page, (left, top, right, bottom)), (offset, 0, offset, 0))), abs=2)
    overlap = (gs_glyph & our_glyph).sum() / (gs_glyph | our_glyph).sum()
    print(f"glyph overlap with ghostscript: {overlap:.3f}")
    assert overlap > 0.85, f"the 'F' differs from ghostscript's: overlap {overlap:.2f}"


def test_hylafax_command_line_gives_the_same_a4_pages(tmp_path):
    pdf = corpus.text_pdf(3)
    gs_pages = ghostscript(pdf, tmp_path, 196, HYLAFAX_ARGS)
    our_pages = ours(pdf, Resolution.FINE)
    assert len(gs_pages) == len(our_pages) == 3
    assert [p.height for p in our_pages] == pytest.approx([p.height for p in gs_pages], abs=2)


def test_letter_pages_match_in_count_and_place(tmp_path):
    pdf = corpus.text_pdf(2, pagesize=LETTER)
    gs_pages = ghostscript(pdf, tmp_path, 196)
    our_pages = ours(pdf, Resolution.FINE)
    assert len(gs_pages) == len(our_pages) == 2
    x, y, side = expected_marker_px((8.5, 11.0), 196)
    area = search_area(x, y, side)
    # Letter is 6 pixels wider than the line: ghostscript crops, we scale by 0.9966.
    assert ink_box(our_pages[0].image, area) == pytest.approx(ink_box(gs_pages[0], area), abs=3)


BAD_PDFS = {
    "empty": b"",
    "truncated": corpus.truncated_pdf(),
    "no pages": corpus.zero_page_pdf(),
    "encrypted": corpus.encrypted_pdf(),
}


@pytest.mark.parametrize("name", sorted(BAD_PDFS))
def test_where_ghostscript_makes_no_pages_we_say_why(tmp_path, name):
    data = BAD_PDFS[name]
    source, output = tmp_path / "in.pdf", tmp_path / "out.tif"
    source.write_bytes(data)
    gs = subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffg3", "-r204x196",
                         *HYLAFAX_ARGS, f"-sOutputFile={output}", str(source)], capture_output=True, timeout=60)
    gs_pages = 0 if not output.exists() or output.stat().st_size == 0 else \
        getattr(Image.open(output), "n_frames", 1)
    print(f"{name}: gs exit {gs.returncode}, {gs_pages} page(s)")
    with pytest.raises(DocumentError) as caught:
        render_all([data], RenderOptions())
    assert caught.value.reason and caught.value.code.value.startswith("document_")
