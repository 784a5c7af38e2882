"""Documents to fax pages: detect, validate, render, binarise, cover page, header line.

Public API (see README, section Documents):
    detect_type(data) -> DocType
    inspect(data, limits) -> DocumentInfo;  inspect_all(documents, limits) -> [DocumentInfo]
    render_all(documents, options) -> [FaxPage]          in this process (CLI, tests)
    Renderer().render(documents, options) -> [FaxPage]   awaitable, in a process pool
    DocumentError(code: ErrorCode, reason, document)     every failure, with http_status
"""

from .detect import DocType, detect_type
from .errors import DocumentError, ErrorCode
from .geometry import LINE_WIDTH_PX, Resolution
from .options import Binarisation, CoverPage, HeaderLine, Limits, RenderOptions
from .page import FaxPage
from .pipeline import render_all
from .renderer import Renderer
from .validate import DocumentInfo, inspect, inspect_all

__all__ = [
    "Binarisation", "CoverPage", "DocType", "DocumentError", "DocumentInfo", "ErrorCode",
    "FaxPage", "HeaderLine", "LINE_WIDTH_PX", "Limits", "Renderer", "RenderOptions",
    "Resolution", "detect_type", "inspect", "inspect_all", "render_all",
]
