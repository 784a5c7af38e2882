"""A fax's pages: rendered once (in the documents process pool), kept on disk, encoded per
call for the format the receiver agreed to.

Rendering happens when the fax is first claimed (``faxgw.documents`` is not wired into the
submit path yet). The pages are kept as PNG files under ``<state>/pages/<faxId>/`` so that a
retry sends exactly the pages the first attempt sent, and only the ones not yet confirmed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops

from faxgw.documents import CoverPage, HeaderLine, Renderer, RenderOptions
from faxgw.documents import Resolution as RenderResolution
from faxgw.session import PageFormat, Resolution, WIDTH_A4_PX
from faxgw.store import Claim

PAGES_DIR = "pages"
_COVER_FIELDS = {"to": "to", "toNumber": "to_number", "from": "sender", "sender": "sender",
                 "fromNumber": "sender_number", "senderNumber": "sender_number",
                 "subject": "subject", "message": "message"}


class PageCache:
    def __init__(self, state_dir: Path, renderer: Renderer) -> None:
        self.state_dir = state_dir
        self.root = state_dir / PAGES_DIR
        self.renderer = renderer

    def folder(self, fax_id: str) -> Path:
        return self.root / fax_id

    async def pages(self, claim: Claim, cover_page: str | None) -> list[Path]:
        """The fax's page files in order, rendering them the first time."""
        folder = self.folder(claim.fax_id)
        existing = await asyncio.to_thread(_listed, folder)
        if existing is not None:
            return existing
        documents = await asyncio.to_thread(self._read_documents, claim)
        pages = await self.renderer.render(documents, _options(claim, cover_page))
        images = [page.image for page in pages]
        return await asyncio.to_thread(_save, folder, images)

    def _read_documents(self, claim: Claim) -> list[bytes]:
        return [(self.state_dir / d.path).read_bytes() for d in claim.documents]

    def forget(self, fax_id: str) -> None:
        shutil.rmtree(self.folder(fax_id), ignore_errors=True)


def _options(claim: Claim, cover_page: str | None) -> RenderOptions:
    header = None
    if claim.header_line:
        # The client's text is literal: braces must not be read as format fields.
        text = claim.header_line.replace("{", "{{").replace("}", "}}")
        header = HeaderLine(format=text + "   Page {page} of {pages}")
    return RenderOptions(resolution=RenderResolution(claim.resolution), header=header,
                         cover=_cover(cover_page))


def _cover(cover_page: str | None) -> CoverPage | None:
    if not cover_page:
        return None
    raw: dict[str, Any] = json.loads(cover_page)
    fields = {_COVER_FIELDS[k]: str(v) for k, v in raw.items() if k in _COVER_FIELDS}
    return CoverPage(**fields)


def _listed(folder: Path) -> list[Path] | None:
    """The saved pages, or None when the fax was never rendered (or only half saved)."""
    index = folder / "pages.json"
    if not index.exists():
        return None
    names = json.loads(index.read_text())
    return [folder / name for name in names]


def _save(folder: Path, images: list[Image.Image]) -> list[Path]:
    # Written to a temporary folder and renamed: a crash never leaves half a fax behind.
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    names = []
    for number, image in enumerate(images, start=1):
        name = f"page-{number:04d}.png"
        image.save(tmp / name, "PNG")
        names.append(name)
    (tmp / "pages.json").write_text(json.dumps(names))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return [folder / name for name in names]


class RenderedPages:
    """``PageSource`` over some pages of a fax (those not confirmed yet), in order.

    ``numbers[i]`` is the fax page number (1-based) of this call's page ``i``. ``encode``
    runs in a worker thread (the session's page pipeline), never on the event loop.
    """

    def __init__(self, files: list[Path], numbers: list[int], resolution: str) -> None:
        self.files = files
        self.numbers = numbers
        self.page_count = len(numbers)
        self.resolution = Resolution(resolution)
        self.width_px = WIDTH_A4_PX

    def encode(self, index: int, fmt: PageFormat) -> bytes:
        import faxgw.g3 as g3

        image = Image.open(self.files[self.numbers[index] - 1])
        image.load()
        image = _to_resolution(image, self.resolution, fmt.resolution)
        coding = fmt.coding.value
        scan_ms = 0 if coding == "MMR" else fmt.min_scan_ms
        return g3.encode(image, coding, resolution=fmt.resolution.value, min_scan_ms=scan_ms,
                         bit_rate=fmt.bit_rate)


def _to_resolution(image: Image.Image, rendered: Resolution, wanted: Resolution) -> Image.Image:
    """Halve the lines for each step the receiver is coarser than the rendering; a black
    pixel in either line of a pair stays black, so thin horizontal lines survive."""
    for _ in range(rendered.rank - wanted.rank):
        height = image.height // 2
        top = image.crop((0, 0, image.width, height * 2))
        even = top.transform((image.width, height), Image.Transform.AFFINE,
                             (1, 0, 0, 0, 2, 0), Image.Resampling.NEAREST)
        odd = top.transform((image.width, height), Image.Transform.AFFINE,
                            (1, 0, 0, 0, 2, 1), Image.Resampling.NEAREST)
        image = ImageChops.logical_and(even, odd)  # 0 is black: AND keeps any black
    return image


def warm_up_codec() -> None:
    """Compile the codec's kernels now (numba): a first encode during a call can take
    longer than the receiver waits for the page (T.30 T2)."""
    import faxgw.g3 as g3

    blank = Image.new("1", (WIDTH_A4_PX, 8), 1)
    for coding in ("MH", "MR", "MMR"):
        g3.encode(blank, coding)
        g3.decode(g3.encode(blank, coding), WIDTH_A4_PX, coding)
