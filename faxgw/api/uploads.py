"""Uploaded documents: streamed to a staging directory, typed by their bytes, made durable.

A submission's files go to ``<state>/tmp/<random>/`` while the request is read; nothing
there is a fax yet. ``Staging.commit`` fsyncs every file, renames the directory to
``<state>/faxes/<faxId>/`` (atomic on one filesystem) and fsyncs the parent, so once the
row commits the documents survive a power cut. A failed request just deletes its staging
directory. ``detect_type`` is the one place that decides what a document is; the documents
layer can replace it without the API changing.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiohttp import BodyPartReader

from faxgw.api.errors import ApiError
from faxgw.documents import DocumentError
from faxgw.documents import detect_type as documents_detect_type
from faxgw.store.rows import Document

CHUNK = 64 * 1024
TMP_DIR = "tmp"
FAXES_DIR = "faxes"

EXTENSIONS = {"pdf": "pdf", "tiff": "tif", "png": "png", "jpeg": "jpg", "gif": "gif", "bmp": "bmp", "text": "txt"}
_HEAD_BYTES = 1024  # enough for every binary signature faxgw.documents knows


def detect_type(path: Path) -> str | None:
    """The document type from the file's bytes, or None when we cannot fax it. The decision
    is faxgw.documents.detect_type's, so upload and rendering never disagree; only a text
    file is read whole (every byte of it must be UTF-8)."""
    with open(path, "rb") as fh:
        kind = _detected(fh.read(_HEAD_BYTES))
    if kind is not None and kind != "text":
        return kind
    return _detected(path.read_bytes())


def _detected(data: bytes) -> str | None:
    try:
        return documents_detect_type(data).value
    except DocumentError:
        return None


@dataclass
class Staged:
    position: int
    filename: str | None
    name: str  # file name inside the staging directory
    size: int
    sha256: str
    doc_type: str


class Staging:
    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.dir = state_dir / TMP_DIR / uuid.uuid4().hex
        self.files: list[Staged] = []
        self.bytes_total = 0

    async def add(self, part: BodyPartReader, limit: int) -> Staged:
        """Stream one document part to disk; 413 as soon as all parts pass `limit` bytes."""
        self.dir.mkdir(parents=True, exist_ok=True)
        position = len(self.files) + 1
        tmp_name = f"{position}.upload"
        digest = hashlib.sha256()
        size = 0
        with open(self.dir / tmp_name, "wb") as fh:
            while True:
                # Never ask for more than one byte beyond the budget: we stop reading there.
                want = min(CHUNK, limit - self.bytes_total - size + 1)
                chunk = await part.read_chunk(max(want, 1))
                if not chunk:
                    break
                size += len(chunk)
                if self.bytes_total + size > limit:
                    raise ApiError(413, "document_too_large",
                                   f"The documents exceed the upload limit of {limit} bytes.", limitBytes=limit)
                digest.update(chunk)
                fh.write(chunk)
        self.bytes_total += size
        return self._typed(position, part.filename, tmp_name, size, digest.hexdigest())

    def _typed(self, position: int, filename: str | None, tmp_name: str, size: int, sha: str) -> Staged:
        if size == 0:
            raise ApiError(415, "empty_document", f"Document {position} is empty.", document=position)
        kind = detect_type(self.dir / tmp_name)
        if kind is None:
            raise ApiError(415, "unsupported_document",
                           f"Document {position} is not a PDF, TIFF, PNG, JPEG, GIF, BMP or UTF-8 text file.",
                           document=position)
        name = f"{position}.{EXTENSIONS[kind]}"
        os.rename(self.dir / tmp_name, self.dir / name)
        staged = Staged(position, (filename or None) and filename[:255], name, size, sha, kind)
        self.files.append(staged)
        return staged

    async def commit(self, fax_id: str) -> list[Document]:
        """Make the files durable under faxes/<faxId>/ and describe them for the store."""
        final = self.state_dir / FAXES_DIR / fax_id
        await asyncio.to_thread(self._commit_sync, final)
        rel = Path(FAXES_DIR) / fax_id
        return [Document(f.position, f.doc_type, f.filename, f.size, f.sha256, str(rel / f.name))
                for f in self.files]

    def _commit_sync(self, final: Path) -> None:
        for f in self.files:
            _fsync_path(self.dir / f.name)
        _fsync_path(self.dir)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.dir, final)
        self.dir = final
        _fsync_path(final.parent)

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clear_staging(state_dir: Path) -> None:
    """At start: uploads that never became faxes (a crash mid-request) are dropped."""
    shutil.rmtree(state_dir / TMP_DIR, ignore_errors=True)
    (state_dir / TMP_DIR).mkdir(parents=True, exist_ok=True)
    (state_dir / FAXES_DIR).mkdir(parents=True, exist_ok=True)
