"""Smaller behaviours: mixed pages, header format, wrapping, Unicode text, the CLI."""

import argparse
import datetime as dt
import io

import numpy as np
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from faxgw.documents import Binarisation, HeaderLine, RenderOptions, render_all
from faxgw.documents.cli import register
from faxgw.documents.header import header_text
from faxgw.documents.text import COLUMNS, LINES_PER_PAGE, layout
from tests.unit.documents import corpus
from tests.unit.documents.pagecheck import black

WHEN = dt.datetime(2026, 11, 27, 8, 5, tzinfo=dt.timezone.utc)


def letter_with_photo() -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setFont("Helvetica", 11)
    for line in range(20):
        pdf.drawString(72, 780 - line * 14, f"{line} {corpus.LOREM}")
    buffer = io.BytesIO()
    corpus.photo(5).save(buffer, "JPEG")
    pdf.drawImage(ImageReader(io.BytesIO(buffer.getvalue())), 72, 100, width=300, height=220)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_a_letter_with_a_photo_keeps_its_text_crisp():
    pdf = letter_with_photo()
    page = render_all([pdf], RenderOptions())[0]
    assert page.treatment == "mixed"
    thresholded = render_all([pdf], RenderOptions(binarisation=Binarisation.THRESHOLD))[0]
    dithered = render_all([pdf], RenderOptions(binarisation=Binarisation.DITHER))[0]
    ink, text_only, photo_only = (black(p.image) for p in (page, thresholded, dithered))
    # The typed lines, well above the photo, are exactly the thresholded ones...
    assert np.array_equal(ink[150:700], text_only[150:700])
    assert not np.array_equal(ink[150:700], photo_only[150:700])
    # ...and the middle of the photo is exactly the dithered one.
    assert np.array_equal(ink[1500:2000, 300:1000], photo_only[1500:2000, 300:1000])
    runs = lambda area: np.count_nonzero(area[:, 1:] != area[:, :-1]) / area.size  # noqa: E731
    assert runs(ink[1500:2000, 300:1000]) > 3 * runs(ink[150:700])


def test_only_the_photo_tiles_are_dithered_when_the_photo_is_not_a_rectangle():
    from faxgw.documents.binarize import TILE_PX, binarize

    grey = np.full((32 * TILE_PX, 1728), 255, np.uint8)
    noise = np.random.default_rng(5).integers(60, 200, grey.shape, dtype=np.uint8)
    for rows, cols in ((slice(6, 18), slice(4, 30)), (slice(18, 30), slice(4, 14))):  # an L
        area = (slice(rows.start * TILE_PX, rows.stop * TILE_PX), slice(cols.start * TILE_PX, cols.stop * TILE_PX))
        grey[area] = noise[area]
    spot = (slice(26 * TILE_PX, 26 * TILE_PX + 12), slice(24 * TILE_PX, 24 * TILE_PX + 12))
    grey[spot] = 150  # light grey, inside the L's box but far from its tiles
    page, treatment = binarize(grey, Binarisation.AUTO)
    ink = black(page)
    assert treatment == "mixed"
    assert not ink[spot].any()  # thresholded to paper: error diffusion would have put dots there
    middle = ink[10 * TILE_PX:14 * TILE_PX, 10 * TILE_PX:20 * TILE_PX]
    assert 0.2 < middle.mean() < 0.8  # the photo is dithered


def test_header_fields_and_custom_format():
    header = HeaderLine(sender_name="ACME", sender_number="+1 555 0100", recipient_number="+44 20 1",
                        format="{date} {time} {sender_name} ({sender_number}) to {recipient_number} p.{page}/{pages}",
                        timestamp=WHEN)
    assert header_text(header, 2, 7) == "2026-11-27 08:05 ACME (+1 555 0100) to +44 20 1 p.2/7"
    default = header_text(HeaderLine(sender_name="ACME", sender_number="+1 555", timestamp=WHEN), 1, 3)
    assert default == "2026-11-27 08:05   From: ACME +1 555   Page 1 of 3"


def test_header_format_mistakes_do_not_break_the_fax():
    assert header_text(HeaderLine(format="{nonsense} p{page}", timestamp=WHEN), 1, 2) == "{nonsense} p1"
    assert header_text(HeaderLine(format="50% off {", timestamp=WHEN), 1, 2) == "50% off {"


def test_long_header_is_cut_to_the_line():
    header = HeaderLine(format="X" * 400, timestamp=WHEN)
    page = render_all([b"x\n"], RenderOptions(header=header))[0]
    columns = np.flatnonzero(black(page.image)[:40].any(axis=0))
    assert columns[-1] < 1728 - 16


def test_text_layout_wraps_and_paginates():
    pages = layout("a" * (COLUMNS * 2 + 1) + "\n" + "b\n" * (LINES_PER_PAGE + 5))
    assert pages[0][:3] == ["a" * COLUMNS, "a" * COLUMNS, "a"]
    assert len(pages) == 2 and len(pages[0]) == LINES_PER_PAGE
    assert layout("tab\there")[0][0] == "tab     here"


def run_cli(argv):
    parser = argparse.ArgumentParser(prog="faxgw")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.mark.parametrize("bad", [b"", corpus.truncated_pdf(), corpus.encrypted_pdf(), "é".encode("latin-1") * 30])
def test_cli_refuses_bad_input_and_leaves_nothing(tmp_path, capsys, bad):
    good, broken, out = tmp_path / "good.pdf", tmp_path / "bad.pdf", tmp_path / "out.tif"
    good.write_bytes(corpus.text_pdf(1))
    broken.write_bytes(bad)
    assert run_cli(["convert", str(good), str(broken), "-o", str(out)]) == 1
    message = capsys.readouterr().err.strip()
    assert message.startswith(f"faxgw convert: {broken}: ") and "\n" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pdf", "good.pdf"]


def test_cli_missing_file(tmp_path, capsys):
    assert run_cli(["convert", str(tmp_path / "nope.pdf"), "-o", str(tmp_path / "out.tif")]) == 1
    assert "No such file" in capsys.readouterr().err


@pytest.mark.parametrize("coding, compression", [("mh", "group3"), ("mmr", "group4")])
def test_cli_converts_to_tiff_class_f(tmp_path, capsys, coding, compression):
    from faxgw.cli import main

    pdf, text, out = tmp_path / "a.pdf", tmp_path / "b.txt", tmp_path / "fax.tif"
    pdf.write_bytes(corpus.text_pdf(2))
    text.write_bytes(b"notes\n")
    argv = ["convert", str(pdf), str(text), "-o", str(out), "--resolution", "standard", "--coding", coding,
            "--header", "--sender-name", "ACME", "--cover-to", "Ada", "--png-dir", str(tmp_path / "png")]
    assert main(argv) == 0
    assert "4 page(s)" in capsys.readouterr().out
    with Image.open(out) as tiff:  # libtiff reads what faxgw.g3 wrote
        assert tiff.n_frames == 4
        assert tiff.info["compression"] == compression and tiff.info["dpi"] == pytest.approx((204, 98))
        assert tiff.size == (1728, 1146)
    assert len(list((tmp_path / "png").iterdir())) == 4
