"""POST /fax: read the multipart form part by part, validate, store durably, answer 201."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from faxgw.api import schemas
from faxgw.api.errors import ApiError, bad_request, document_error
from faxgw.api.keys import SERVICES, TENANT
from faxgw.api.reading import e164_of
from faxgw.api.services import Services
from faxgw.api.uploads import Staging
from faxgw.documents import DocumentError
from faxgw.store import NewFax
from faxgw.store.rows import fax_object

MAX_FIELD_BYTES = 64 * 1024
# Room for the multipart framing and the text fields on top of the documents' limit.
FORM_OVERHEAD_BYTES = 1024 * 1024
TEXT_FIELDS = {
    "phoneNumber": schemas.phone_number,
    "metadata": schemas.metadata,
    "resolution": schemas.resolution,
    "headerLine": schemas.header_line,
    "coverPage": schemas.cover_page,
    "verifyRecipient": schemas.verify_recipient,
    "expectedCsi": schemas.expected_csi,
}


@dataclass
class Form:
    values: dict[str, Any] = field(default_factory=dict)


async def send_fax(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    store, config, tenant_id = services.store, services.config, request[TENANT]
    key = schemas.idempotency_key(request.headers.get("Idempotency-Key"))
    _check_envelope(request, config.limits.max_upload_bytes)
    first = await store.fax_by_idempotency_key(tenant_id, key) if key else None
    staging = Staging(services.state, services.faxes_dir_sync)
    try:
        form = await _read_form(request, staging, config.limits)
        verify, expected_csi = schemas.recipient_fields(form.values)
        fingerprint = request_fingerprint(form.values, staging.files) if key else None
        if first:  # a repeat: read (to compare it) but never stored
            staging.discard()
            return _repeat(first, fingerprint, key)
        pages = await pages_of(request, staging, form)  # 4xx for unreadable documents
        fax_id = str(uuid.uuid4())
        documents = await staging.commit(fax_id)
        row, created = await store.submit(NewFax(
            fax_id=fax_id, tenant_id=tenant_id, documents=documents,
            phone_number=form.values["phoneNumber"],
            phone_e164=e164_of(request, form.values["phoneNumber"]), metadata=form.values.get("metadata", {}),
            resolution=form.values.get("resolution", "fine"),
            header_line=form.values.get("headerLine"), cover_page=form.values.get("coverPage"),
            idempotency_key=key, request_sha256=fingerprint, page_count=pages,
            verify_recipient=verify, expected_csi=expected_csi))
    except Exception:
        staging.discard()
        raise
    # Not on cancellation: the group commit may still commit this fax after we stop waiting,
    # and its row must not point at deleted files. What a cancelled request leaves behind is
    # removed at the next start (StateDir.prepare, sweep_orphans).
    if not created:  # a concurrent submit with the same key won the unique index
        staging.discard()
        return _repeat(row, fingerprint, key)
    return web.json_response(fax_object(row), status=201, headers={"Location": f"/fax/{fax_id}"})


async def pages_of(request: web.Request, staging: Staging, form: Form) -> int:
    """The fax's page count as validation finds it; the cover page is always one page.
    The scheduler sets it again from the rendered pages (store.set_page_count)."""
    pages = await validate_staging(request.app[SERVICES], staging)
    return pages + (1 if form.values.get("coverPage") is not None else 0)


async def validate_staging(services: Services, staging: Staging) -> int:
    """Before the fax exists: every uploaded document readable and within limits, or 4xx.
    Returns the documents' pages (the cover page, when asked for, comes on top)."""
    try:
        infos = await services.validation.validate(staging.paths())
    except DocumentError as exc:
        raise document_error(exc, [f.position for f in staging.files]) from None
    return sum(info.page_count for info in infos)


def request_fingerprint(values: dict[str, Any], files: list) -> str:
    """What makes two submissions the same request: the fields as they will be used
    (normalised number, defaults filled in, JSON canonical) and the documents' bytes, in
    order. Not the file names (informational) nor the multipart framing."""
    canonical = {
        "phoneNumber": values["phoneNumber"], "metadata": values.get("metadata", {}),
        "resolution": values.get("resolution", "fine"), "headerLine": values.get("headerLine"),
        "coverPage": values.get("coverPage"), "documents": [f.sha256 for f in files],
    }
    if values.get("verifyRecipient"):  # only when set: earlier requests keep their hash
        canonical["recipient"] = [True, values.get("expectedCsi")]
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _repeat(first: dict, fingerprint: str | None, key: str) -> web.Response:
    """The answer to a submit whose Idempotency-Key is taken: the first fax if the request is
    the same (or the first predates fingerprints), else 422: a key names one request."""
    if first["request_sha256"] is not None and first["request_sha256"] != fingerprint:
        raise ApiError(422, "idempotency_key_reused",
                       f"The Idempotency-Key {key[:60]!r} was already used for a different request "
                       f"(fax {first['id']}). Resend that request unchanged to get its fax, or use "
                       "a new key for a new fax.", faxId=first["id"])
    return web.json_response(fax_object(first), status=200, headers={"Idempotent-Replayed": "true"})


async def expect_upload(request: web.Request) -> web.StreamResponse | None:
    """`Expect: 100-continue`: refuse an announced oversized upload before it is sent."""
    limit = request.app[SERVICES].config.limits.max_upload_bytes
    length = request.content_length
    if request.headers.get("Expect", "").lower() == "100-continue" and length is not None \
            and length > limit + FORM_OVERHEAD_BYTES:
        resp = ApiError(413, "document_too_large",
                        f"The request of {length} bytes exceeds the upload limit of {limit} bytes.",
                        limitBytes=limit).response()
        resp.force_close()
        return resp
    return await _default_expect(request)


async def _default_expect(request: web.Request) -> None:
    if request.headers.get("Expect", "").lower() != "100-continue":
        raise web.HTTPExpectationFailed(text="Unknown Expect header")
    await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    request.writer.output_size = 0


def _check_envelope(request: web.Request, limit: int) -> None:
    if media_type(request.headers.get("Content-Type", "")) != "multipart/form-data":
        raise ApiError(415, "not_multipart", "POST /fax takes multipart/form-data.")
    length = request.content_length
    if length is not None and length > limit + FORM_OVERHEAD_BYTES:
        raise ApiError(413, "document_too_large",
                       f"The request of {length} bytes exceeds the upload limit of {limit} bytes.",
                       limitBytes=limit)


async def _read_form(request: web.Request, staging: Staging, limits) -> Form:
    form = Form()
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise bad_request("malformed_multipart", "Nested multipart parts are not accepted.")
            await _read_part(part, form, staging, limits)
    except (ValueError, AssertionError, HttpProcessingError) as exc:
        # aiohttp's multipart reader raises these on broken framing or part headers.
        raise bad_request("malformed_multipart", f"The multipart body is malformed: {exc}")
    if "phoneNumber" not in form.values:
        raise bad_request("invalid_phone_number", "phoneNumber is required: the number to fax to.")
    if not staging.files:
        raise bad_request("missing_document", "At least one document part is required.")
    return form


async def _read_part(part: BodyPartReader, form: Form, staging: Staging, limits) -> None:
    name, filename = disposition(part.headers.get("Content-Disposition", ""))
    if name == "document":
        if filename is None:
            raise _not_a_file()
        if len(staging.files) >= limits.max_documents:
            raise bad_request("too_many_documents", f"At most {limits.max_documents} documents per fax.")
        await staging.add(part, filename, limits.max_upload_bytes)
        return
    if name not in TEXT_FIELDS:
        raise bad_request("unknown_field", f"Unknown form field {str(name)[:40]!r}.", field=str(name)[:40])
    if name in form.values:
        raise bad_request("duplicate_field", f"The form field {name!r} is given twice.", field=name)
    form.values[name] = TEXT_FIELDS[name](await _read_text(part, name))


def _not_a_file() -> ApiError:
    # A part without a file name is a plain form field: with curl, -F document=referral.pdf
    # (no @) sends the eleven characters of the name, which would go out as a page of text.
    return bad_request(
        "document_not_a_file",
        "The document part is a plain form field, not a file: with curl, put an @ before the "
        "file name (-F document=@referral.pdf). Text to fax goes as a file too, e.g. "
        "-F 'document=@note.txt;type=text/plain'.", field="document")


def media_type(header: str) -> str:
    """The media type of a Content-Type header, lower case, without its parameters.

    Not ``request.content_type``: aiohttp parses the whole header with the email package and
    caches by the raw value, which never repeats here (a fresh boundary per request), so
    that one property cost more CPU than the rest of a submission's handler.
    """
    return header.partition(";")[0].strip().lower()


_PARAM = re.compile(r';\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def disposition(header: str) -> tuple[str | None, str | None]:
    """`name` and `filename` of a part's Content-Disposition (RFC 7578 section 4.2).

    Our own small parser: aiohttp's rebuilds an escaping table on every call, which cost
    more CPU than the rest of a submission. filename* (RFC 5987) wins over filename.
    """
    if not header.lower().startswith("form-data"):
        return None, None
    params: dict[str, str] = {}
    for key, value in _PARAM.findall(header[9:]):
        value = value.strip()
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params.setdefault(key.lower(), value)
    filename = params.get("filename")
    if "filename*" in params:
        charset, _, rest = params["filename*"].partition("'")
        try:
            filename = unquote(rest.partition("'")[2], encoding=charset or "utf-8", errors="replace")
        except LookupError:  # an unknown charset: the name is informational, keep it readable
            filename = unquote(rest.partition("'")[2], errors="replace")
    return params.get("name"), filename


async def _read_text(part: BodyPartReader, name: str) -> str:
    data = bytearray()
    while chunk := await part.read_chunk(8192):
        data += chunk
        if len(data) > MAX_FIELD_BYTES:
            raise bad_request("field_too_large", f"The form field {name!r} is over {MAX_FIELD_BYTES} bytes.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("invalid_encoding", f"The form field {name!r} is not UTF-8 text.")
