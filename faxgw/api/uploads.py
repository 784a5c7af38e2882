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
import codecs
import contextlib
import hashlib
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aiohttp import BodyPartReader

from faxgw.api.errors import ApiError
from faxgw.documents import DocumentError, ErrorCode
from faxgw.documents import detect_type as documents_detect_type
from faxgw.state_dir import FAXES_DIR, StateDir
from faxgw.store.rows import Document

CHUNK = 64 * 1024

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


def _refusal(staged: "Staged") -> ApiError:
    """The documents package's own code and reason (document_empty, document_type_unknown,
    text_not_utf8): one catalogue of refusals, whichever layer notices first."""
    try:
        documents_detect_type(staged.tmp.read_bytes())
        reason = DocumentError(ErrorCode.UNKNOWN_TYPE, "unsupported document type")
    except DocumentError as exc:
        reason = exc
    return ApiError(reason.http_status, reason.code.value,
                    f"Document {staged.position}: {reason.reason}.", document=staged.position)


@dataclass
class Staged:
    position: int
    filename: str | None
    tmp: Path  # where it is while the request is read
    name: str  # its name in the fax's folder
    size: int
    sha256: str
    doc_type: str


class Staging:
    """The documents of one request. Staged flat in tmp/ (a directory per request would cost
    a mkdir on the event loop); the fax's folder is made at commit, in a worker thread."""

    def __init__(self, state: StateDir, faxes_dir_sync: "DirSync"):
        self.state = state
        self._faxes_dir_sync = faxes_dir_sync
        self._prefix = uuid.uuid4().hex
        self.final: Path | None = None
        self.files: list[Staged] = []
        self.bytes_total = 0

    async def add(self, part: BodyPartReader, filename: str | None, limit: int) -> Staged:
        """Stream one document part to disk; 413 as soon as all parts pass `limit` bytes."""
        position = len(self.files) + 1
        tmp = self.state.staging / f"{self._prefix}-{position}"
        digest = hashlib.sha256()
        size = 0
        # Registered before writing, so that discard() removes it whatever happens next.
        staged = Staged(position, (filename or None) and filename[:255], tmp, "", 0, "", "")
        self.files.append(staged)
        with open(tmp, "wb") as fh:
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
        staged.size, staged.sha256 = size, digest.hexdigest()
        staged.doc_type = self._typed(staged)
        staged.name = f"{position}.{EXTENSIONS[staged.doc_type]}"
        return staged

    def paths(self) -> list[Path]:
        """Where the staged documents are now, in order (for validation before commit)."""
        return [f.tmp for f in self.files]

    def _typed(self, staged: Staged) -> str:
        kind = detect_type(staged.tmp) if staged.size else None
        if kind is None:
            raise _refusal(staged)
        return kind

    async def commit(self, fax_id: str) -> list[Document]:
        """Make the files durable under faxes/<faxId>/ and describe them for the store.

        The folder is made and the files renamed into it first; then every fsync the promise
        needs (each file, the new folder, its entry in faxes/) runs at the same time: the
        filesystem journal commits them together, one disk flush instead of one each (on
        this box's ext4: ~1 ms instead of ~6 ms per fax). All of them end before the row is
        written. A crash before that leaves a folder without a row: removed at start
        (sweep_orphans).
        """
        self.final = self.state.fax_folder(fax_id)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(_FSYNC_POOL, self._move)
        paths = [self.final / f.name for f in self.files] + [self.final]
        await asyncio.gather(*(loop.run_in_executor(_FSYNC_POOL, _fsync_path, p) for p in paths),
                             self._faxes_dir_sync())  # the new folder's entry in faxes/
        rel = Path(FAXES_DIR) / fax_id
        return [Document(f.position, f.doc_type, f.filename, f.size, f.sha256, str(rel / f.name))
                for f in self.files]

    def _move(self) -> None:
        self.final.mkdir()
        for f in self.files:
            os.rename(f.tmp, self.final / f.name)

    def discard(self) -> None:
        for f in self.files:
            with contextlib.suppress(FileNotFoundError):
                f.tmp.unlink()
        if self.final is not None:
            shutil.rmtree(self.final, ignore_errors=True)


# fsync mostly waits for the disk: more threads than the default executor's cpu+4 let the
# fsyncs of concurrent submissions overlap (the filesystem journal then commits them together).
_FSYNC_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="faxgw-fsync")


class DirSync:
    """fsync of one directory, shared: an fsync that starts after a rename makes it durable.

    Every caller takes a ticket after its rename; one fsync at a time runs and covers every
    ticket issued before it started, so N concurrent submissions cost far fewer than N.
    """

    def __init__(self, path: Path):
        self.path = path
        self._lock = asyncio.Lock()
        self._issued = 0
        self._synced = 0

    async def __call__(self) -> None:
        self._issued += 1
        ticket = self._issued
        async with self._lock:
            if self._synced >= ticket:
                return
            covered = self._issued
            await asyncio.get_running_loop().run_in_executor(_FSYNC_POOL, _fsync_path, self.path)
            self._synced = covered


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
