"""One received call's folder ``<state>/received/<id>/``, filled page by page.

Each page is written as a PNG the moment the session accepts it (so a call that breaks off
keeps every whole page that arrived); at the end come ``fax.tif`` (TIFF Class F, MH, as
fax software expects), ``fax.pdf`` for people, and ``fax.json``, the call's record on disk
beside the database's. All of it runs in worker threads, never on the event loop.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image

from faxgw.page_decoder import G3Decoder
from faxgw.pageformat import X_DPI, Resolution
from faxgw.session import ReceivedPage, SessionResult
from faxgw.state_dir import RECEIVED_DIR  # noqa: F401 - callers import it from here

TIFF_NAME, PDF_NAME, RECORD_NAME = "fax.tif", "fax.pdf", "fax.json"


def page_name(number: int) -> str:
    """File of page ``number`` (1-based)."""
    return f"page-{number:04d}.png"


class CallFolder:
    """The files of one received call."""

    def __init__(self, folder: Path, received_id: str, modem: str) -> None:
        self.id = received_id
        self.folder = folder
        self.modem = modem
        self.pages: dict[int, tuple[str, Resolution]] = {}  # 0-based index -> (file, res)
        self.started = datetime.now(timezone.utc)

    def keep(self, page: ReceivedPage) -> Image.Image:
        """In a worker thread: the page on disk before the call goes on."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = page_name(page.index + 1)
        image = page.image if page.image is not None else _decode(page)
        tmp = self.folder / (name + ".tmp")
        image.save(tmp, "PNG", dpi=page.fmt.resolution.dpi)
        tmp.replace(self.folder / name)  # a crash never leaves half a page behind
        self.pages[page.index] = (name, page.fmt.resolution)
        return image

    @classmethod
    def left_over(cls, folder: Path, modem: str = "?") -> "CallFolder":
        """A folder whose call never finished (the daemon died during it)."""
        fax = cls(folder, folder.name, modem)
        for n, page in enumerate(sorted(folder.glob("page-*.png"))):
            with Image.open(page) as image:
                dpi = image.info.get("dpi", Resolution.FINE.dpi)[1]
            fax.pages[n] = (page.name, Resolution.nearest(dpi))
        return fax

    def finish(self, result: SessionResult) -> dict:
        """In a worker thread: TIFF Class F, PDF and the record, written last."""
        self.folder.mkdir(parents=True, exist_ok=True)
        kept = [self.pages[i] for i in sorted(self.pages)]
        images = [Image.open(self.folder / name) for name, _ in kept]
        if images:
            _write_tiff(self.folder / TIFF_NAME, images, [r for _, r in kept])
            _write_pdf(self.folder / PDF_NAME, images, [r for _, r in kept])
        record = {
            "receivedId": self.id, "modem": self.modem, "remoteIdent": result.remote_ident,
            "pages": len(images), "outcome": result.outcome.value,
            "complete": result.success, "reason": result.reason,
            "startedOn": self.started.isoformat(timespec="milliseconds"),
            "endedOn": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "bitRate": result.bit_rate,
            "resolution": result.resolution.value if result.resolution else None,
            "tiff": TIFF_NAME if images else None, "pdf": PDF_NAME if images else None,
        }
        tmp = self.folder / (RECORD_NAME + ".tmp")
        tmp.write_text(json.dumps(record, indent=2))
        tmp.replace(self.folder / RECORD_NAME)
        return record


def _decode(page: ReceivedPage) -> Image.Image:
    image, _ = G3Decoder().decode(page.data, page.fmt)
    return image


def _write_tiff(path: Path, images: list[Image.Image], resolutions: list[Resolution]) -> None:
    from faxgw.g3.tiff import Page, write_tiff

    pages = [Page(img, *res.dpi) for img, res in zip(images, resolutions)]
    tmp = path.with_suffix(".tif.tmp")
    tmp.write_bytes(write_tiff(pages, "MH"))
    tmp.replace(path)


def _write_pdf(path: Path, images: list[Image.Image], resolutions: list[Resolution]) -> None:
    # PDF pixels are square: stretch each page's rows to 204 dpi so the page keeps its size.
    square = [img.resize((img.width, round(img.height * X_DPI / res.y_dpi)),
                         Image.Resampling.NEAREST) for img, res in zip(images, resolutions)]
    tmp = path.with_suffix(".pdf.tmp")
    square[0].save(tmp, "PDF", save_all=True, append_images=square[1:], resolution=X_DPI)
    tmp.replace(path)
