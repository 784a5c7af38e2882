"""Submit-time checks: is each document a type we read, readable, and within limits?

Cheap by design (headers, page tables and text layout; no pixels are rendered), so the API
can answer a bad upload with 4xx before anything is stored. It is still CPU work on bytes a
client sent, so the daemon runs it through :class:`Renderer.inspect` in the process pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import images, pdf, text
from .detect import DocType, detect_type
from .errors import DocumentError, ErrorCode
from .options import Limits


@dataclass(frozen=True)
class DocumentInfo:
    """What a document is: its type and how many fax pages it makes."""

    type: DocType
    page_count: int


def inspect(data: bytes, limits: Limits = Limits()) -> DocumentInfo:
    """Type and page count of one document, or DocumentError saying what is wrong."""
    kind = detect_type(data)
    if kind is DocType.PDF:
        pages = _pdf_pages(data)
    elif kind is DocType.TEXT:
        pages = _text_pages(data, limits)
    else:
        image = images.open_image(data, kind, limits)
        images.check_decodes(image, kind)
        pages = images.count_frames(image, kind)
        image.close()
    if pages > limits.max_pages:
        raise DocumentError(ErrorCode.TOO_MANY_PAGES,
                            f"the document has {pages} pages, more than the limit of {limits.max_pages}")
    return DocumentInfo(kind, pages)


def _pdf_pages(data: bytes) -> int:
    doc = pdf.open_pdf(data)
    try:
        pdf.page_sizes_in(doc)  # a page without a usable size is damage, found now
        return len(doc)
    finally:
        doc.close()


def _text_pages(data: bytes, limits: Limits) -> int:
    if len(data) > limits.max_text_bytes:
        raise DocumentError(ErrorCode.TOO_MANY_PAGES,
                            f"the text is {len(data)} bytes, more than the limit of {limits.max_text_bytes}")
    return len(text.layout(text.decode_text(data)))


def inspect_all(documents: list[bytes], limits: Limits = Limits()) -> list[DocumentInfo]:
    """Every document of one fax; the page limit applies to the fax as a whole."""
    if not documents:
        raise DocumentError(ErrorCode.EMPTY, "no document was given")
    infos = []
    for index, data in enumerate(documents):
        try:
            infos.append(inspect(data, limits))
        except DocumentError as exc:
            raise exc.for_document(index) from None
    total = sum(info.page_count for info in infos)
    if total > limits.max_pages:
        raise DocumentError(ErrorCode.TOO_MANY_PAGES,
                            f"the documents have {total} pages together, more than the limit of {limits.max_pages}")
    return infos
