"""Bytes to fax pages, synchronously: the work a process-pool worker does.

A fax is cut into :class:`PageRun`s, runs of consecutive pages of one source, so that the
pages of a long document can be rendered on several cores. Every function here is a pure
function of picklable arguments.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from PIL import Image

from . import images, pdf, text
from .binarize import binarize, packed_rows
from .cover import typeset_cover
from .detect import DocType, detect_type
from .encode import codec_available, encode_page
from .errors import DocumentError, ErrorCode
from .header import header_text, stamp, strip_image
from .options import Binarisation, CoverPage, RenderOptions
from .page import FaxPage

COVER = "cover"
_WARM_COVER = CoverPage(to="warm up", message="warm up")


@dataclass(frozen=True)
class PageRun:
    """Pages ``first`` .. ``first + count - 1`` (0-based) of one source.

    ``kind`` is a DocType value or "cover"; text arrives already typeset as PDF bytes.
    ``first_number`` is the fax page number of the first page, ``total`` the fax's page count.
    """

    kind: str
    data: bytes
    document: int | None
    first: int
    count: int
    first_number: int
    total: int
    source_id: str = ""  # names the source across runs, so a worker can keep it open


def typeset_if_text(data: bytes) -> bytes:
    """Text becomes a PDF (one reportlab pass for the whole document); the rest is as is."""
    if detect_type(data) is not DocType.TEXT:
        return data
    return text.typeset(text.layout(text.decode_text(data)))


def render_run(run: PageRun, options: RenderOptions, now: dt.datetime) -> list[FaxPage]:
    if run.kind == COVER:
        cover_pdf = typeset_cover(options.cover, run.total, now)
        return _render_pdf(run, cover_pdf, options, now, Binarisation.THRESHOLD)
    if run.kind in (DocType.PDF.value, DocType.TEXT.value):
        return _render_pdf(run, run.data, options, now, options.binarisation)
    return _render_image(run, options, now)


def _render_pdf(run: PageRun, data: bytes, options: RenderOptions, now: dt.datetime,
                mode: Binarisation) -> list[FaxPage]:
    doc = _open_pdf_cached(run.source_id, data)
    pages = []
    for offset in range(run.count):
        grey = pdf.render_page(doc, run.first + offset, options.resolution, options.max_length_mm)
        black_white, treatment = binarize(grey, mode)
        rows = packed_rows(grey) if treatment == "threshold" and options.coding else None
        pages.append(_finish(black_white, treatment, run, offset, options, now, rows))
    return pages


# The PDFs this worker opened last, by source_id. PDFium caches glyphs per open document;
# the first page of a freshly opened one costs 2-3x a later page, so the runs of one
# document that land on the same worker reuse it.
_OPEN_PDFS: "OrderedDict[str, pdfium.PdfDocument]" = OrderedDict()
_OPEN_PDFS_KEPT = 2


def _open_pdf_cached(source_id: str, data: bytes):
    if source_id and source_id in _OPEN_PDFS:
        _OPEN_PDFS.move_to_end(source_id)
        return _OPEN_PDFS[source_id]
    doc = pdf.open_pdf(data)
    _OPEN_PDFS[source_id or id(doc)] = doc
    while len(_OPEN_PDFS) > _OPEN_PDFS_KEPT:
        _OPEN_PDFS.popitem(last=False)[1].close()
    return doc


def close_open_pdfs() -> None:
    while _OPEN_PDFS:
        _OPEN_PDFS.popitem()[1].close()


def _render_image(run: PageRun, options: RenderOptions, now: dt.datetime) -> list[FaxPage]:
    try:
        return _render_frames(run, options, now)
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DocumentError(ErrorCode.CORRUPT, f"the image is damaged or truncated ({exc})") from None


def _render_frames(run: PageRun, options: RenderOptions, now: dt.datetime) -> list[FaxPage]:
    kind = DocType(run.kind)
    limits = options.limits
    image = images.open_image(run.data, kind, limits)
    max_height_px = round(options.max_length_mm / 25.4 * options.resolution.y_dpi)
    pages = []
    for offset in range(run.count):
        frame = images.upright(images.frame(image, kind, run.first + offset))
        if images.fax_ready(frame, options.resolution, max_height_px):
            black_white, treatment = images.passthrough(frame), "passthrough"
        else:
            placement = images.placement_for(frame, options.resolution, options.max_length_mm)
            black_white, treatment = binarize(images.render_frame(frame, placement), options.binarisation)
        pages.append(_finish(black_white, treatment, run, offset, options, now))
    image.close()
    return pages


def _finish(black_white: Image.Image, treatment: str, run: PageRun, offset: int,
            options: RenderOptions, now: dt.datetime, rows=None) -> FaxPage:
    """The page, header drawn (faxgw convert; the daemon draws it when sending) and coded.
    ``rows``: the same pixels packed, if the caller has them (see encode_page)."""
    number = run.first_number + offset
    if options.header is not None:
        line = header_text(options.header, number, run.total, now)
        black_white = stamp(black_white, strip_image(line, options.resolution))
        rows = None  # the image has changed
    page = FaxPage(image=black_white, resolution=options.resolution, number=number,
                   document=run.document, source_page=run.first + offset + 1, treatment=treatment)
    if options.coding:
        page.coding = options.coding
        page.encode_options = dict(options.encode_options)
        page.encoded = encode_page(page, options.coding, rows, **page.encode_options)
    return page


# The first run of a document in a worker opens it, and PDFium then loads the document's
# fonts: about 15 ms, the cost of three or four text pages. Later runs in that worker find
# it open (see _OPEN_PDFS), so a long document is cut into runs of at most MAX_RUN_PAGES
# that balance over the workers, while a very short one is not cut at all.
MIN_PAGES_TO_SPLIT = 4
MAX_RUN_PAGES = 8


def split_runs(kinds_and_data: list[tuple[str, bytes]], page_counts: list[int], has_cover: bool,
               workers: int) -> list[PageRun]:
    """Cut every source into runs that spread a long document's pages over the workers."""
    total = sum(page_counts) + (1 if has_cover else 0)
    fax_id = uuid.uuid4().hex
    runs = [PageRun(COVER, b"", None, 0, 1, 1, total)] if has_cover else []
    number = 2 if has_cover else 1
    for document, ((kind, data), count) in enumerate(zip(kinds_and_data, page_counts)):
        pieces = 1 if count < MIN_PAGES_TO_SPLIT else _balanced_pieces(count, workers)
        bounds = [count * i // pieces for i in range(pieces + 1)]
        for start, end in zip(bounds, bounds[1:]):
            runs.append(PageRun(kind, data, document, start, end - start, number + start, total,
                                f"{fax_id}/{document}"))
        number += count
    return runs


def _balanced_pieces(count: int, workers: int) -> int:
    """At most MAX_RUN_PAGES a run, and a multiple of ``workers`` runs so every worker gets
    the same share: 50 pages in 7 runs put 29 pages on one worker and 21 on the other (the
    fax waits for the 29); in 8 runs each worker gets 25."""
    runs = max(workers, -(-count // MAX_RUN_PAGES))
    return min(count, -(-runs // workers) * workers)


def render_all(documents: list[bytes], options: RenderOptions,
               now: dt.datetime | None = None) -> list[FaxPage]:
    """The whole pipeline in this process: for the CLI and tests, never the event loop."""
    from .validate import inspect_all

    now = now or dt.datetime.now().astimezone()
    infos = inspect_all(documents, options.limits)
    sources = [(info.type.value, typeset_if_text(data)) for info, data in zip(infos, documents)]
    runs = split_runs(sources, [i.page_count for i in infos], options.cover is not None, workers=1)
    try:
        return [page for run in runs for page in _render_run_for(run, options, now)]
    finally:
        close_open_pdfs()  # this process is not a worker: keep nothing open


def _render_run_for(run: PageRun, options: RenderOptions, now: dt.datetime) -> list[FaxPage]:
    try:
        return render_run(run, options, now)
    except DocumentError as exc:
        raise exc if run.document is None else exc.for_document(run.document)


def warm_up_worker() -> int:
    """Pay a worker's first-use costs (PDFium init, fonts, reportlab) before a fax waits."""
    from .options import HeaderLine

    coding = "MH" if codec_available() else None  # also compiles the codec's numba kernels
    render_all([b"warm up\n"], RenderOptions(header=HeaderLine(), cover=_WARM_COVER, coding=coding))
    return os.getpid()
