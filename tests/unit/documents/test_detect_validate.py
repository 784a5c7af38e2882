"""Type detection and submit-time validation, including every bad input the submit API refuses."""

import pytest

from faxgw.documents import DocType, DocumentError, ErrorCode, Limits, detect_type, inspect, inspect_all
from tests.unit.documents import corpus
from PIL import Image


def _photo(fmt, **params):
    return corpus.image_bytes(corpus.photo(1, (320, 240)), fmt, **params)


@pytest.mark.parametrize("data, kind", [
    (corpus.text_pdf(1), DocType.PDF),
    (b"junk before the header\n" + corpus.text_pdf(1), DocType.PDF),
    (_photo("PNG"), DocType.PNG),
    (_photo("JPEG"), DocType.JPEG),
    (_photo("GIF"), DocType.GIF),
    (_photo("BMP"), DocType.BMP),
    (_photo("TIFF"), DocType.TIFF),
    (corpus.image_bytes(Image.new("1", (64, 64)), "TIFF", compression="group4"), DocType.TIFF),
    ("Grüße aus Köln\n".encode(), DocType.TEXT),
    (b"\xef\xbb\xbfwith a byte order mark\n", DocType.TEXT),
])
def test_type_comes_from_the_bytes(data, kind):
    assert detect_type(data) is kind


@pytest.mark.parametrize("data, code", [
    (b"", ErrorCode.EMPTY),
    (b"   \n\t ", ErrorCode.EMPTY),
    (bytes(range(256)) * 4, ErrorCode.UNKNOWN_TYPE),
    (b"PK\x03\x04" + b"\x00" * 100, ErrorCode.UNKNOWN_TYPE),  # a zip, say a .docx
    ("Grüße aus Köln\n".encode("latin-1"), ErrorCode.NOT_UTF8),
])
def test_detection_refuses(data, code):
    with pytest.raises(DocumentError) as caught:
        detect_type(data)
    assert caught.value.code is code


@pytest.mark.parametrize("data, kind, pages", [
    (corpus.text_pdf(3), DocType.PDF, 3),
    (corpus.multipage_tiff(3), DocType.TIFF, 3),
    (corpus.fax_tiff(2)[0], DocType.TIFF, 2),
    (_photo("JPEG"), DocType.JPEG, 1),
    (_photo("GIF", save_all=True, append_images=[corpus.photo(2, (320, 240))]), DocType.GIF, 1),
    (b"one\ntwo\n", DocType.TEXT, 1),
    (b"page one\fpage two\f", DocType.TEXT, 2),
    (b"\n".join(b"line %d" % i for i in range(200)), DocType.TEXT, 4),
])
def test_inspect_counts_pages(data, kind, pages):
    info = inspect(data)
    assert (info.type, info.page_count) == (kind, pages)


BAD_INPUTS = {
    "empty file": (b"", ErrorCode.EMPTY, 415),
    "unknown type": (b"\x00\x01\x02\x03garbage" * 50, ErrorCode.UNKNOWN_TYPE, 415),
    "truncated PDF": (corpus.truncated_pdf(), ErrorCode.CORRUPT, 415),
    "corrupt PDF": (corpus.corrupt_pdf(), ErrorCode.CORRUPT, 415),
    "encrypted PDF": (corpus.encrypted_pdf(), ErrorCode.ENCRYPTED, 415),
    "PDF without pages": (corpus.zero_page_pdf(), ErrorCode.NO_PAGES, 422),
    "decompression bomb": (corpus.bomb_png(), ErrorCode.IMAGE_TOO_LARGE, 413),
    "1x1 image": (corpus.image_bytes(Image.new("RGB", (1, 1)), "PNG"), ErrorCode.IMAGE_TOO_SMALL, 422),
    "text not UTF-8": ("Größe: 5 µm\n".encode("latin-1"), ErrorCode.NOT_UTF8, 415),
    "truncated PNG": (_photo("PNG")[:300], ErrorCode.CORRUPT, 415),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_has_code_status_and_one_line_reason(name):
    data, code, status = BAD_INPUTS[name]
    with pytest.raises(DocumentError) as caught:
        inspect(data)
    error = caught.value
    assert error.code is code
    assert error.http_status == status
    assert error.reason and "\n" not in error.reason
    assert error.to_json() == {"code": code.value, "message": error.reason}


def test_more_pages_than_the_limit():
    with pytest.raises(DocumentError) as caught:
        inspect(corpus.text_pdf(6), Limits(max_pages=5))
    assert caught.value.code is ErrorCode.TOO_MANY_PAGES
    assert "6 pages" in caught.value.reason and "5" in caught.value.reason
    assert inspect(corpus.text_pdf(5), Limits(max_pages=5)).page_count == 5


def test_the_page_limit_counts_the_whole_fax():
    documents = [corpus.text_pdf(3), corpus.text_pdf(3)]
    assert [i.page_count for i in inspect_all(documents, Limits(max_pages=6))] == [3, 3]
    with pytest.raises(DocumentError) as caught:
        inspect_all(documents, Limits(max_pages=5))
    assert caught.value.code is ErrorCode.TOO_MANY_PAGES


def test_error_names_the_bad_document_of_several():
    with pytest.raises(DocumentError) as caught:
        inspect_all([corpus.text_pdf(1), b"", corpus.text_pdf(1)])
    assert caught.value.document == 1
    assert caught.value.reason.startswith("document 2: ")
    assert caught.value.to_json()["document"] == 1


def test_no_documents_at_all():
    with pytest.raises(DocumentError) as caught:
        inspect_all([])
    assert caught.value.code is ErrorCode.EMPTY


def test_image_limits_are_configurable():
    image = corpus.image_bytes(Image.new("L", (400, 300), 255), "PNG")
    assert inspect(image).page_count == 1
    with pytest.raises(DocumentError) as caught:
        inspect(image, Limits(max_image_pixels=100_000))
    assert caught.value.code is ErrorCode.IMAGE_TOO_LARGE


def test_text_that_starts_like_a_bitmap_is_text():
    assert detect_type(b"BMW service report for the fleet, March\n") is DocType.TEXT
