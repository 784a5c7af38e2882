"""Pages kept on disk (TIFF Class F around the workers' strips) and sent from there."""

import io

import numpy as np
import pytest
from PIL import Image, ImageSequence

import faxgw.g3
from faxgw.documents import RenderOptions, Resolution, render_all
from faxgw.documents.sending import StoredPages
from faxgw.pagefit import rescale_rows
from faxgw.documents.stored import STORED_CODING, STORED_ENCODE_OPTIONS, read_pages, write_pages
from faxgw.session import Coding, PageFormat, Resolution as SessionResolution
from tests.unit.documents import corpus

STORE_OPTIONS = dict(coding=STORED_CODING, encode_options=tuple(STORED_ENCODE_OPTIONS.items()))


@pytest.fixture
def stored(tmp_path):
    pages = render_all([corpus.text_pdf(2), corpus.photo_pdf(1)], RenderOptions(**STORE_OPTIONS))
    return write_pages(tmp_path, pages), pages


def test_stored_tiff_is_read_by_libtiff_and_our_codec_as_rendered(stored):
    path, pages = stored
    with Image.open(io.BytesIO(path.read_bytes())) as tiff:
        frames = [(f.info["compression"], f.info["dpi"], np.asarray(f.convert("1")).copy())
                  for f in ImageSequence.Iterator(tiff)]
    assert len(frames) == 3
    for (compression, dpi, pixels), page in zip(frames, pages):
        assert compression == "group4" and dpi == pytest.approx((204, 196))
        assert np.array_equal(pixels, np.asarray(page.image))
    for ours, page in zip(read_pages(path), pages):
        assert np.array_equal(np.asarray(ours.image), np.asarray(page.image))
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize("coding", list(Coding))
def test_page_source_encodes_for_the_negotiated_format(stored, coding):
    path, pages = stored
    source = StoredPages(path)
    assert source.page_count == 3 and source.resolution is SessionResolution.FINE
    fmt = PageFormat(coding, SessionResolution.FINE, 1728, 0 if coding is Coding.MMR else 10, 9600)
    data = source.encode(1, fmt)
    image, report = faxgw.g3.decode(data, 1728, coding.value, bit_order="lsb")
    assert report.bad_lines == 0
    assert np.array_equal(np.asarray(image), np.asarray(pages[1].image))


def test_resend_only_unconfirmed_pages(stored):
    path, pages = stored
    source = StoredPages(path, only=[2])
    assert source.page_count == 1
    assert np.array_equal(np.asarray(source.image(0)), np.asarray(pages[2].image))
    with pytest.raises(ValueError):
        StoredPages(path, only=[3])


def test_a_receiver_without_fine_gets_standard_rows_where_black_wins():
    fine = Image.new("1", (1728, 8), 1)
    fine.paste(0, (10, 3, 20, 4))  # a one-row line on an odd row
    standard = rescale_rows(fine, SessionResolution.FINE, SessionResolution.STANDARD)
    assert standard.size == (1728, 4)
    assert not np.asarray(standard)[1, 10:20].any() and np.asarray(standard)[0].all()
    back = rescale_rows(standard, SessionResolution.STANDARD, SessionResolution.FINE)
    assert back.size == (1728, 8)


def test_standard_page_sent_at_fine_when_asked(tmp_path):
    pages = render_all([corpus.text_pdf(1)], RenderOptions(resolution=Resolution.STANDARD, **STORE_OPTIONS))
    source = StoredPages(write_pages(tmp_path, pages))
    fmt = PageFormat(Coding.MH, SessionResolution.FINE, 1728, 0, 14400)
    image, _ = faxgw.g3.decode(source.encode(0, fmt), 1728, "MH", bit_order="lsb")
    assert image.height == pages[0].height * 2
