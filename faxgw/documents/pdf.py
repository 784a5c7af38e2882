"""PDF pages through PDFium (pypdfium2), rendered straight onto the fax grid.

PDFium's plain render call only scales uniformly, but fax pixels are not square (204 x 98
dpi at standard resolution), so we hand it the whole affine matrix: scale, the quarter turn
for landscape pages and the centring in one step, into an 8-bit grey bitmap, which is what
binarisation wants. No intermediate RGB image, no resampling pass.
"""

from __future__ import annotations

import ctypes

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .errors import DocumentError, ErrorCode
from .geometry import LINE_WIDTH_PX, POINTS_PER_INCH, Placement, Resolution, place

# A writer ends a PDF with %%EOF; readers look for it near the end (Acrobat: last 1 KiB).
# Without it the file was cut short, and PDFium would quietly render whatever survived.
_EOF_WINDOW = 1024
_RENDER_FLAGS = pdfium_c.FPDF_ANNOT | pdfium_c.FPDF_PRINTING


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Open a PDF from memory; raise DocumentError for what cannot be faxed."""
    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise DocumentError(ErrorCode.CORRUPT, "the PDF is truncated (it does not end with %%EOF)")
    # pypdfium2's own loader reads FPDF_GetLastError also when loading worked but found no
    # pages, and that error is left over from an earlier document: tell the cases apart here.
    raw = pdfium_c.FPDF_LoadMemDocument64(data, len(data), None)
    if not raw:
        raise _load_error(pdfium_c.FPDF_GetLastError())
    doc = pdfium.PdfDocument(raw)
    doc.faxgw_source = data  # PDFium reads from this buffer for as long as the document lives
    if len(doc) == 0:
        doc.close()
        raise DocumentError(ErrorCode.NO_PAGES, "the PDF has no pages")
    if pdfium_c.FPDF_GetFormType(raw) != pdfium_c.FORMTYPE_NONE:
        # A filled-in form keeps its values in widgets, which PDFium draws only through a
        # form environment (set up before any page is loaded; 10 ms, so only for forms).
        doc.init_forms()
    return doc


def _load_error(err_code: int | None) -> DocumentError:
    if err_code == pdfium_c.FPDF_ERR_PASSWORD:
        return DocumentError(ErrorCode.ENCRYPTED, "the PDF is encrypted and needs a password")
    if err_code == pdfium_c.FPDF_ERR_SECURITY:
        return DocumentError(ErrorCode.ENCRYPTED, "the PDF uses an unsupported security handler")
    return DocumentError(ErrorCode.CORRUPT, "the PDF is damaged and cannot be read")


def page_sizes_in(doc: pdfium.PdfDocument) -> list[tuple[float, float]]:
    """Each page's MediaBox size in inches (before its /Rotate: see displayed_size_pt); a
    page without a usable size is damage, found here at submit time."""
    sizes = []
    for index in range(len(doc)):
        width, height = _page_size_pt(doc, index)
        sizes.append((width / POINTS_PER_INCH, height / POINTS_PER_INCH))
    return sizes


def _page_size_pt(doc: pdfium.PdfDocument, index: int) -> tuple[float, float]:
    size = pdfium_c.FS_SIZEF()
    if not pdfium_c.FPDF_GetPageSizeByIndexF(doc.raw, index, size) or size.width <= 0 or size.height <= 0:
        raise DocumentError(ErrorCode.CORRUPT, f"page {index + 1} of the PDF is damaged")
    return size.width, size.height


def render_page(doc: pdfium.PdfDocument, index: int, resolution: Resolution,
                max_length_mm: float) -> np.ndarray:
    """Page ``index`` as grey pixels (rows x 1728, uint8), placed on the fax grid.
    The array is overwritten by the next call: binarise it first."""
    page = _load_page(doc, index)
    try:
        width_pt, height_pt = displayed_size_pt(page)
        placement = place(width_pt / POINTS_PER_INCH, height_pt / POINTS_PER_INCH, resolution, max_length_mm)
        matrix = _device_matrix(width_pt, placement, resolution)
        return _render_grey(page, matrix, placement.height_px)
    finally:
        page.close()


def _load_page(doc: pdfium.PdfDocument, index: int) -> pdfium.PdfPage:
    try:
        page = doc[index]
        if doc.formenv is not None and page.flatten(pdfium_c.FLAT_PRINT) == pdfium_c.FLATTEN_SUCCESS:
            # Form fields are now page content (our matrix render has no form pass): reload.
            page.close()
            page = doc[index]
    except pdfium.PdfiumError:
        raise DocumentError(ErrorCode.CORRUPT, f"page {index + 1} of the PDF is damaged") from None
    return page


def displayed_size_pt(page: pdfium.PdfPage) -> tuple[float, float]:
    """The page as a reader shows it. PDFium's page size ignores /Rotate, but its rendering
    applies it: a portrait MediaBox turned by 90 degrees is drawn as a landscape page."""
    width, height = page.get_size()
    if page.get_rotation() % 180 == 90:
        return height, width
    return width, height


def _device_matrix(width_pt: float, placement: Placement, resolution: Resolution) -> pdfium_c.FS_MATRIX:
    """PDFium's display space (points, origin top left) to fax pixels."""
    kx = placement.scale * resolution.x_dpi / POINTS_PER_INCH
    ky = placement.scale * resolution.y_dpi / POINTS_PER_INCH
    if not placement.rotate:
        return pdfium_c.FS_MATRIX(kx, 0, 0, ky, placement.left_px, 0)
    # A quarter turn anticlockwise: the landscape page's top edge runs down the left side.
    return pdfium_c.FS_MATRIX(0, -ky, kx, 0, placement.left_px, width_pt * ky)


# One grey page buffer per page length, reused: a fresh 4 MB array costs more in page faults
# than PDFium takes to draw a text page. The caller is done with it (binarisation makes a
# new image) before the next page is rendered.
_BUFFERS: dict[int, np.ndarray] = {}


def _reused_buffer(height_px: int) -> np.ndarray:
    if height_px not in _BUFFERS:
        if len(_BUFFERS) >= 4:
            _BUFFERS.clear()
        _BUFFERS[height_px] = np.empty((height_px, LINE_WIDTH_PX), dtype=np.uint8)
    return _BUFFERS[height_px]


def _render_grey(page: pdfium.PdfPage, matrix: pdfium_c.FS_MATRIX, height_px: int) -> np.ndarray:
    # PDFium draws into memory we own (white paper to start with), so the finished bitmap
    # becomes a Pillow image without a copy. 1728 is a multiple of 4: no row padding.
    pixels = _reused_buffer(height_px)
    pixels.fill(255)
    buffer = (ctypes.c_ubyte * pixels.size).from_buffer(pixels)
    bitmap = pdfium_c.FPDFBitmap_CreateEx(LINE_WIDTH_PX, height_px, pdfium_c.FPDFBitmap_Gray,
                                          buffer, LINE_WIDTH_PX)
    if not bitmap:
        raise MemoryError(f"PDFium could not make a {LINE_WIDTH_PX}x{height_px} bitmap")
    try:
        clip = pdfium_c.FS_RECTF(0, 0, LINE_WIDTH_PX, height_px)
        pdfium_c.FPDF_RenderPageBitmapWithMatrix(bitmap, page.raw, ctypes.byref(matrix),
                                                 ctypes.byref(clip), _RENDER_FLAGS)
    finally:
        pdfium_c.FPDFBitmap_Destroy(bitmap)
    return pixels
