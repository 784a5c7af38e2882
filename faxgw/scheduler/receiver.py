"""Incoming faxes: a ringing receive-capable modem is answered by the T.30 receiver, and
every accepted page is kept.

Each received fax gets a folder ``<state>/received/<id>/``: the pages as PNG the moment
they are accepted (so a call that breaks off keeps what arrived), then ``fax.tif`` (TIFF
Class F, MH, as fax software expects), ``fax.pdf`` for people, and ``fax.json`` with the
sender's ident and the call's result. A list/get API for these comes in a later issue.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from PIL import Image

from faxgw.logs import log_context
from faxgw.outcome import Outcome
from faxgw.scheduler.pool import PooledModem
from faxgw.session import PageFormat, ReceivedPage, Resolution, SessionResult
from faxgw.t30.negotiate import PageQuality

log = logging.getLogger("faxgw.scheduler.receiver")

RECEIVED_DIR = "received"
X_DPI = 204.0
Y_DPI = {Resolution.STANDARD: 98.0, Resolution.FINE: 196.0, Resolution.SUPERFINE: 391.0}


class G3PageDecoder:
    """``PageDecoder`` over faxgw.g3 (called in a worker thread by the session)."""

    def decode(self, data: bytes, fmt: PageFormat) -> tuple[Any, PageQuality]:
        import faxgw.g3 as g3

        image, report = g3.decode(data, fmt.width_px, fmt.coding.value)
        return image, PageQuality(report.lines, report.bad_lines, report.longest_bad_run)


class ReceivedFax:
    """One incoming call's folder, filled page by page."""

    def __init__(self, root: Path, modem: str) -> None:
        self.id = str(uuid.uuid4())
        self.folder = root / self.id
        self.modem = modem
        self.pages: dict[int, tuple[str, Resolution]] = {}
        self.started = datetime.now(timezone.utc)

    def keep(self, page: ReceivedPage) -> None:
        """In a worker thread: the page on disk before the call goes on."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"page-{page.index + 1:04d}.png"
        image = page.image if page.image is not None else _decode(page)
        image.save(self.folder / name, "PNG", dpi=(X_DPI, Y_DPI[page.fmt.resolution]))
        self.pages[page.index] = (name, page.fmt.resolution)

    @classmethod
    def left_over(cls, folder: Path) -> "ReceivedFax":
        """A folder whose call never finished (the daemon died during it)."""
        fax = cls(folder.parent, "?")
        fax.id, fax.folder = folder.name, folder
        for n, page in enumerate(sorted(folder.glob("page-*.png"))):
            with Image.open(page) as image:
                dpi = image.info.get("dpi", (X_DPI, Y_DPI[Resolution.FINE]))[1]
            fax.pages[n] = (page.name, min(Y_DPI, key=lambda r: abs(Y_DPI[r] - dpi)))
        return fax

    def finish(self, result: SessionResult) -> dict:
        """In a worker thread: TIFF Class F, PDF and the record, written last."""
        self.folder.mkdir(parents=True, exist_ok=True)
        kept = [self.pages[i] for i in sorted(self.pages)]
        images = [Image.open(self.folder / name) for name, _ in kept]
        if images:
            _write_tiff(self.folder / "fax.tif", images, [r for _, r in kept])
            _write_pdf(self.folder / "fax.pdf", images, [r for _, r in kept])
        record = {
            "receivedId": self.id, "modem": self.modem, "remoteIdent": result.remote_ident,
            "pages": len(images), "outcome": result.outcome.value,
            "complete": result.success, "reason": result.reason,
            "startedOn": self.started.isoformat(timespec="milliseconds"),
            "endedOn": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "bitRate": result.bit_rate,
            "resolution": result.resolution.value if result.resolution else None,
            "tiff": "fax.tif" if images else None, "pdf": "fax.pdf" if images else None,
        }
        tmp = self.folder / "fax.json.tmp"
        tmp.write_text(json.dumps(record, indent=2))
        tmp.replace(self.folder / "fax.json")
        return record


def _decode(page: ReceivedPage) -> Image.Image:
    image, _ = G3PageDecoder().decode(page.data, page.fmt)
    return image


def _write_tiff(path: Path, images: list[Image.Image], resolutions: list[Resolution]) -> None:
    from faxgw.g3.tiff import Page, write_tiff

    pages = [Page(img, X_DPI, Y_DPI[res]) for img, res in zip(images, resolutions)]
    path.write_bytes(write_tiff(pages, "MH"))


def _write_pdf(path: Path, images: list[Image.Image], resolutions: list[Resolution]) -> None:
    # PDF pixels are square: stretch each page's rows to 204 dpi so the page keeps its size.
    square = [img.resize((img.width, round(img.height * X_DPI / Y_DPI[res])),
                         Image.Resampling.NEAREST) for img, res in zip(images, resolutions)]
    square[0].save(path, "PDF", save_all=True, append_images=square[1:], resolution=X_DPI)


def finish_left_over(state_dir: Path) -> list[str]:
    """At start: faxes whose call was cut by a crash keep the pages that had arrived; they
    get their TIFF, PDF and a record that says the call was interrupted."""
    done = []
    for folder in sorted((state_dir / RECEIVED_DIR).glob("*")):
        if folder.is_dir() and not (folder / "fax.json").exists():
            fax = ReceivedFax.left_over(folder)
            fax.finish(SessionResult(direction="receive", outcome=Outcome.INTERRUPTED))
            done.append(fax.id)
    return done


async def receive_call(modem: PooledModem, state_dir: Path) -> dict:
    """Answer the ringing ``modem`` and receive; returns the stored record."""
    fax = ReceivedFax(state_dir / RECEIVED_DIR, modem.name)
    with log_context(modem=modem.name):
        log.info("answering an incoming call on %s", modem.name)

        async def keep(page: ReceivedPage) -> None:
            await asyncio.to_thread(fax.keep, page)

        result = await modem.session().receive(keep)
        record = await asyncio.shield(asyncio.to_thread(fax.finish, result))
        log.info("received %d page(s) from %r: %s", record["pages"], result.remote_ident,
                 result.outcome.value)
        return record
