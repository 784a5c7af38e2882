"""Document type from the bytes themselves, never from a file name or declared type."""

from __future__ import annotations

from enum import Enum

from .errors import DocumentError, ErrorCode


class DocType(str, Enum):
    PDF = "pdf"
    TIFF = "tiff"
    PNG = "png"
    JPEG = "jpeg"
    GIF = "gif"
    BMP = "bmp"
    TEXT = "text"

    @property
    def is_image(self) -> bool:
        return self not in (DocType.PDF, DocType.TEXT)


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", DocType.PNG),
    (b"\xff\xd8\xff", DocType.JPEG),
    (b"GIF87a", DocType.GIF),
    (b"GIF89a", DocType.GIF),
    (b"II*\x00", DocType.TIFF),
    (b"MM\x00*", DocType.TIFF),
    (b"BM", DocType.BMP),
)
# PDF readers accept the header anywhere in the first KiB (some files carry junk in front).
_PDF_HEADER_WINDOW = 1024
_TEXT_CONTROLS = bytes(b for b in range(0x20) if b not in b"\t\n\r\f\x1b")


def detect_type(data: bytes) -> DocType:
    """Return the type of ``data`` or raise DocumentError (empty, unknown, not UTF-8)."""
    if not data or not data.strip():
        raise DocumentError(ErrorCode.EMPTY, "the document is empty")
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        return DocType.PDF
    for magic, kind in _MAGIC:
        if data.startswith(magic) and (kind is not DocType.BMP or _is_bmp_header(data)):
            return kind
    return _detect_text(data)


# "BM" alone is too common at the start of a text ("BMW ...") to mean a bitmap: the size of
# the info header that follows the 14-byte file header must be one that BMP defines.
_BMP_INFO_HEADER_SIZES = {12, 16, 40, 52, 56, 64, 108, 124}


def _is_bmp_header(data: bytes) -> bool:
    return len(data) >= 26 and int.from_bytes(data[14:18], "little") in _BMP_INFO_HEADER_SIZES


def _detect_text(data: bytes) -> DocType:
    sample = data[:65536]
    if not _looks_like_text(sample):
        raise DocumentError(ErrorCode.UNKNOWN_TYPE,
                            "unsupported document type (send PDF, TIFF, PNG, JPEG, GIF, BMP or UTF-8 text)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            ErrorCode.NOT_UTF8,
            f"text is not UTF-8 (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})",
        ) from None
    return DocType.TEXT


def _looks_like_text(sample: bytes) -> bool:
    """Text in any 8-bit encoding: no NULs and almost no control characters."""
    if b"\x00" in sample:
        return False
    controls = len(sample) - len(sample.translate(None, _TEXT_CONTROLS))
    return controls <= len(sample) // 100
