"""The seam to the codec: pages come back encoded, and decode to exactly what was rendered."""

import io

import numpy as np
import pytest
from PIL import Image, ImageSequence

import faxgw.g3
from faxgw.documents import HeaderLine, RenderOptions, Resolution, render_all
from faxgw.documents.encode import write_tiff_class_f
from tests.unit.documents import corpus


@pytest.mark.parametrize("coding, header", [("MH", True), ("MR", False), ("MMR", True), ("MMR", False)])
def test_pages_come_back_encoded_and_decode_to_the_same_pixels(coding, header):
    # Without a header, thresholded pages reach the codec as numpy bits (encode_rows), the
    # others as their image: both must code exactly the page.
    options = RenderOptions(coding=coding, header=HeaderLine(sender_name="ACME") if header else None)
    pages = render_all([corpus.text_pdf(1), corpus.photo_pdf(1)], options)
    assert {p.treatment for p in pages} == {"threshold", "mixed"}
    for page in pages:
        assert page.coding == coding and page.encoded
        image, report = faxgw.g3.decode(page.encoded, page.width, coding)
        assert np.array_equal(np.asarray(image), np.asarray(page.image))


@pytest.mark.parametrize("coding", ["MH", "MR", "MMR"])
def test_packed_rows_code_the_same_bytes_as_the_image(coding):
    from faxgw.documents.binarize import packed_rows, threshold, as_image

    grey = np.random.default_rng(7).integers(0, 256, (40, 1725), dtype=np.uint8)  # not a whole byte wide
    grey[:, 600:] = 255
    want = faxgw.g3.encode(threshold(as_image(grey)), coding)
    assert faxgw.g3.encode_rows(packed_rows(grey), 1725, coding) == want
    with pytest.raises(faxgw.g3.G3Error):
        faxgw.g3.encode_rows(packed_rows(grey)[:, :-1], 1725, coding)


@pytest.mark.parametrize("resolution", list(Resolution))
def test_tiff_class_f_holds_the_pages_at_their_resolution(resolution):
    pages = render_all([corpus.text_pdf(2)], RenderOptions(resolution=resolution))
    data = write_tiff_class_f(pages, "MH")
    with Image.open(io.BytesIO(data)) as tiff:  # libtiff decodes, not our codec
        frames = [frame.copy() for frame in ImageSequence.Iterator(tiff)]
        assert tiff.info["compression"] == "group3"
    assert len(frames) == 2
    for frame, page in zip(frames, pages):
        assert frame.info["dpi"] == pytest.approx(resolution.dpi, abs=0.5)
        assert np.array_equal(np.asarray(frame.convert("1")), np.asarray(page.image))


@pytest.mark.parametrize("bit_order", ["lsb", "msb"])
def test_encoded_pages_cross_the_pool_as_their_code(bit_order):
    import pickle

    page = render_all([corpus.text_pdf(1)], RenderOptions(coding="MMR", encode_options=(("bit_order", bit_order),)))[0]
    wire = pickle.dumps(page)
    assert len(wire) < len(page.encoded) + 2000  # no bitmap rides along
    back = pickle.loads(wire)
    assert back.encoded == page.encoded and back.size == page.size
    assert np.array_equal(np.asarray(back.image), np.asarray(page.image))
