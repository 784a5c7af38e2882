"""The one error the documents package raises for a document it cannot turn into pages.

Every failure has a stable machine code (stored, returned by the API, matched by tests), a
one-line human reason, and the HTTP status the API should answer with. 415 means "we cannot
read this", 422 "we can read it but will not fax it", 413 "too big".
"""

from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    """Machine codes; the value is what clients see."""

    EMPTY = "document_empty"
    UNKNOWN_TYPE = "document_type_unknown"
    CORRUPT = "document_corrupt"
    ENCRYPTED = "document_encrypted"
    NO_PAGES = "document_no_pages"
    IMAGE_TOO_LARGE = "image_too_large"
    IMAGE_TOO_SMALL = "image_too_small"
    NOT_UTF8 = "text_not_utf8"
    UNPRINTABLE = "text_unprintable"
    TOO_MANY_PAGES = "too_many_pages"
    RENDER_CRASHED = "render_crashed"
    RENDER_TIMEOUT = "render_timeout"


HTTP_STATUS = {
    ErrorCode.EMPTY: 415,
    ErrorCode.UNKNOWN_TYPE: 415,
    ErrorCode.CORRUPT: 415,
    ErrorCode.ENCRYPTED: 415,
    ErrorCode.NO_PAGES: 422,
    ErrorCode.IMAGE_TOO_LARGE: 413,
    ErrorCode.IMAGE_TOO_SMALL: 422,
    ErrorCode.NOT_UTF8: 415,
    ErrorCode.UNPRINTABLE: 422,
    ErrorCode.TOO_MANY_PAGES: 413,
    ErrorCode.RENDER_CRASHED: 422,
    ErrorCode.RENDER_TIMEOUT: 422,
}


class DocumentError(Exception):
    """A document that cannot become fax pages.

    ``code`` is an :class:`ErrorCode`, ``reason`` one line for a person, ``document`` the
    0-based index of the offending document in the request when known.
    """

    def __init__(self, code: ErrorCode, reason: str, document: int | None = None):
        super().__init__(reason)
        self.code = ErrorCode(code)
        self.reason = reason
        self.document = document

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]

    def for_document(self, index: int) -> "DocumentError":
        """The same error, naming which document of the request it is about."""
        prefix = f"document {index + 1}: "
        reason = self.reason if self.reason.startswith(prefix) else prefix + self.reason
        return DocumentError(self.code, reason, index)

    def to_json(self) -> dict:
        body = {"code": self.code.value, "message": self.reason}
        if self.document is not None:
            body["document"] = self.document
        return body

    def __reduce__(self):
        # Crosses the process-pool boundary: rebuild from the fields, not from args.
        return (DocumentError, (self.code, self.reason, self.document))

    def __repr__(self) -> str:
        return f"DocumentError({self.code.value!r}, {self.reason!r})"
