"""Documents in the API (issue 4): validate uploads at submit, and
``GET /fax/{faxId}/pages/{n}``: a PNG of page n as it would be transmitted now (header
line with the current time), from the pages rendered once and kept (``faxes/<faxId>/pages.tif``).

Kept in this one module so that submit.py and app.py each change by a line or two.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import AsyncIterator

from aiohttp import web

from faxgw.api import schemas
from faxgw.api.errors import ApiError, fax_not_found
from faxgw.api.keys import CONFIG, STORE, TENANT
from faxgw.api.uploads import FAXES_DIR, Staging
from faxgw.api.validation import BatchedValidation
from faxgw.documents import DocumentError
from faxgw.documents.service import FaxDocuments, options_for
from faxgw.config import Config
from faxgw.documents.options import HeaderLine

DOCUMENTS = web.AppKey("documents", FaxDocuments)
VALIDATION = web.AppKey("validation", BatchedValidation)


def configured_header(config: Config) -> HeaderLine | None:
    """The ``[sender]`` section as the header line every fax starts from; the number is the
    TSI the modems send when the section names none."""
    sender = config.sender
    if not sender.header_format:
        return None
    return HeaderLine(sender_name=sender.name, sender_number=sender.number or config.scheduler.local_ident,
                      format=sender.header_format)


async def documents_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the renderer's process pool lives as long as the app."""
    app[DOCUMENTS] = FaxDocuments()
    app[VALIDATION] = BatchedValidation(app[DOCUMENTS])
    app[DOCUMENTS].warm_up_soon()
    app[DOCUMENTS].header = configured_header(app[CONFIG])  # [sender]: the header line's sender
    yield
    await app[DOCUMENTS].close()


def _api_error(exc: DocumentError, positions: list[int]) -> ApiError:
    extra = {} if exc.document is None else {"document": positions[exc.document]}
    return ApiError(exc.http_status, exc.code.value, exc.reason, **extra)


async def validate_staging(app: web.Application, staging: Staging) -> int:
    """Before the fax exists: every uploaded document readable and within limits, or 4xx.
    Returns the documents' pages (the cover page, when asked for, comes on top)."""
    try:
        infos = await app[VALIDATION].validate(staging.paths())
    except DocumentError as exc:
        raise _api_error(exc, [f.position for f in staging.files]) from None
    return sum(info.page_count for info in infos)


def _render_inputs(state_dir: Path, row, documents: list) -> tuple[Path, list[Path], object]:
    cover = None if row["cover_page"] is None else json.loads(row["cover_page"])
    options = options_for(row["resolution"], cover)
    paths = [state_dir / d["path"] for d in sorted(documents, key=lambda d: d["position"])]
    return state_dir / FAXES_DIR / row["id"], paths, options


def _header(docs: FaxDocuments, row) -> HeaderLine | None:
    cover = None if row["cover_page"] is None else json.loads(row["cover_page"])
    return docs.header_for(row["phone_number"], row["header_line"], cover)


async def page_png(request: web.Request) -> web.Response:
    store, fax_id, docs = request.app[STORE], _fax_id(request), request.app[DOCUMENTS]
    row = await store.get_fax(request[TENANT], fax_id)  # 404 for unknown or foreign faxes
    number = _page_number(request.match_info["n"])
    fax_dir, paths, options = _render_inputs(request.app[CONFIG].state_dir, row, await store.documents(fax_id))
    try:
        # The header line as if the page were sent now: the time printed moves on.
        png = await docs.page_png(fax_dir, number, paths, options, _header(docs, row))
    except IndexError:
        raise _no_page(number) from None
    except DocumentError as exc:
        raise _api_error(exc, list(range(1, len(paths) + 1))) from None
    except FileNotFoundError:
        raise ApiError(410, "pages_deleted", "The fax's documents were deleted after the retention period.")
    return web.Response(body=png, content_type="image/png",
                        headers={"Cache-Control": "private, max-age=60"})


def _fax_id(request: web.Request) -> str:
    fax_id = request.match_info["faxId"]
    if not schemas.is_uuid(fax_id):
        raise fax_not_found()
    return fax_id.lower()


def _page_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise _no_page(text)
    return int(text)


def _no_page(number) -> ApiError:
    return ApiError(404, "page_not_found", f"The fax has no page {str(number)[:12]}.")
