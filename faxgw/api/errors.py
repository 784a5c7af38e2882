"""The API's one error shape: ``{"code": "...", "message": "..."}`` plus optional fields."""

from __future__ import annotations

import json

from aiohttp import web

from faxgw.documents import DocumentError


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def response(self) -> web.Response:
        return error_response(self.status, self.code, self.message, **self.extra)


def error_response(status: int, code: str, message: str, **extra) -> web.Response:
    body = {"code": code, "message": message, **extra}
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


def bad_request(code: str, message: str, **extra) -> ApiError:
    return ApiError(400, code, message, **extra)


# One body for "no such fax" and "another tenant's fax", so that nothing leaks existence.
def fax_not_found() -> ApiError:
    return ApiError(404, "fax_not_found", "No fax with this faxId exists.")


def document_error(exc: DocumentError, positions: list[int]) -> ApiError:
    """A document that cannot be faxed, named by its position in the request."""
    extra = {} if exc.document is None else {"document": positions[exc.document]}
    return ApiError(exc.http_status, exc.code.value, exc.reason, **extra)
