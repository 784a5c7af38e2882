"""Document typing from bytes: the swap point for the documents layer."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from faxgw.api.uploads import detect_type


def image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("1", (16, 16)).save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize("data, expected", [
    (b"%PDF-1.7\n...", "pdf"),
    (image("TIFF"), "tiff"),
    (b"MM\x00*\x00\x00\x00\x08", "tiff"),
    (image("PNG"), "png"),
    (image("JPEG") if False else b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
    (image("GIF"), "gif"),
    (image("BMP"), "bmp"),
    ("Grüße aus Köln\r\n\tSeite 2\f".encode(), "text"),
    (b"plain ascii", "text"),
    (b"", None),
    (b"\x00\x01binary", None),
    (b"PK\x03\x04 a zip", None),
    ("Grüße".encode("latin-1"), None),
    (b"text with a bell \x07", None),
    ("truncated \u00fc".encode()[:-1], None),
])
def test_detect_type(tmp_path, data, expected):
    path = tmp_path / "doc"
    path.write_bytes(data)
    assert detect_type(path) == expected


def test_declared_name_does_not_matter(tmp_path):
    path = tmp_path / "looks-like.pdf"
    path.write_bytes(image("PNG"))
    assert detect_type(path) == "png"


def test_text_longer_than_one_chunk_with_a_split_character(tmp_path):
    path = tmp_path / "t"
    path.write_bytes(b"a" * 65535 + "ü".encode() + b"b" * 10)  # the 2-byte character spans chunks
    assert detect_type(path) == "text"


@pytest.mark.parametrize("header, expected", [
    ('form-data; name="document"; filename="a b.pdf"', ("document", "a b.pdf")),
    ("form-data; name=phoneNumber", ("phoneNumber", None)),
    ('form-data; name="x\\"y"; filename*=utf-8\'\'%C3%BC.pdf', ('x"y', "ü.pdf")),
    ('form-data; name="doc"; filename="a;b.pdf"', ("doc", "a;b.pdf")),
    ("form-data; name=d; filename*=nosuchcharset''a.pdf", ("d", "a.pdf")),
    ('attachment; name="x"', (None, None)),
    ("", (None, None)),
])
def test_content_disposition(header, expected):
    from faxgw.api.views.fax_submission import disposition

    assert disposition(header) == expected
