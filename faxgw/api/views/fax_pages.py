"""GET /fax/{faxId}/pages/{n}: a PNG of page n as it would be transmitted now (header line
with the current time), from the pages rendered once and kept (``faxes/<faxId>/pages.tif``)."""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp import web

from faxgw.api import schemas
from faxgw.api.errors import ApiError, bad_request, document_error
from faxgw.api.keys import SERVICES, TENANT
from faxgw.api.reading import path_fax_id
from faxgw.documents import DocumentError
from faxgw.documents.options import HeaderLine
from faxgw.documents.service import FaxDocuments, options_for
from faxgw.state_dir import StateDir


def _render_inputs(state: StateDir, row, documents: list) -> tuple[Path, list[Path], object]:
    cover = None if row["cover_page"] is None else json.loads(row["cover_page"])
    options = options_for(row["resolution"], cover)
    paths = [state.root / d["path"] for d in sorted(documents, key=lambda d: d["position"])]
    return state.fax_folder(row["id"]), paths, options


def _header(docs: FaxDocuments, row) -> HeaderLine | None:
    cover = None if row["cover_page"] is None else json.loads(row["cover_page"])
    if row["header_line"] is not None:
        # A fax stored before its header line was checked as today (a final newline passed).
        schemas.header_line(row["header_line"])
    return docs.header_for(row["phone_number"], row["header_line"], cover)


async def page_png(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    store, fax, docs = services.store, path_fax_id(request), services.documents
    row = await store.get_fax(request[TENANT], fax)  # 404 for unknown or foreign faxes
    number = _page_number(request.match_info["n"])
    fax_dir, paths, options = _render_inputs(services.state, row, await store.documents(fax))
    try:
        # The header line as if the page were sent now: the time printed moves on.
        png = await docs.page_png(fax_dir, number, paths, options, _header(docs, row))
    except IndexError:
        raise _no_page(number) from None
    except DocumentError as exc:
        raise document_error(exc, list(range(1, len(paths) + 1))) from None
    except FileNotFoundError:
        raise ApiError(410, "pages_deleted", "The fax's documents were deleted after the retention period.")
    return web.Response(body=png, content_type="image/png",
                        headers={"Cache-Control": "private, max-age=60"})


def _page_number(text: str) -> int:
    number = schemas.ascii_int(text)
    if number is None:
        raise bad_request("invalid_page_number", "The page number must be written in ASCII digits (1, 2, ...).")
    if not 1 <= number <= 100_000:
        raise _no_page(text[:20])
    return number


def _no_page(number) -> ApiError:
    return ApiError(404, "page_not_found", f"The fax has no page {str(number)[:12]}.")
