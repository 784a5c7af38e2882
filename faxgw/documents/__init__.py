"""Documents to fax pages: detect, validate, render, binarise, cover page, header line.

Public API (see README, section Documents):
    detect_type(data) -> DocType
    inspect(data, limits) -> DocumentInfo;  inspect_all(documents, limits) -> [DocumentInfo]
    render_all(documents, options) -> [FaxPage]          in this process (CLI, tests)
    Renderer().render(documents, options) -> [FaxPage]   awaitable, in a process pool
    DocumentError(code: ErrorCode, reason, document)     every failure, with http_status
"""

from importlib import import_module
from typing import TYPE_CHECKING

# Each public name and the module that defines it, imported on first use: `faxgw convert`
# needs the pipeline but not the process pool, `faxgw status` needs none of them, and the
# pipeline's libraries (numpy, pdfium, reportlab, the codec's numba) cost a person waiting
# at the terminal a good part of a second.
_HOMES = {
    "DocType": ".detect", "detect_type": ".detect",
    "DocumentError": ".errors", "ErrorCode": ".errors",
    "LINE_WIDTH_PX": ".geometry", "Resolution": ".geometry",
    "Binarisation": ".options", "CoverPage": ".options", "HeaderLine": ".options",
    "Limits": ".options", "RenderOptions": ".options",
    "FaxPage": ".page", "render_all": ".pipeline", "Renderer": ".renderer",
    "DocumentInfo": ".validate", "inspect": ".validate", "inspect_all": ".validate",
}

if TYPE_CHECKING:
    from .detect import DocType, detect_type
    from .errors import DocumentError, ErrorCode
    from .geometry import LINE_WIDTH_PX, Resolution
    from .options import Binarisation, CoverPage, HeaderLine, Limits, RenderOptions
    from .page import FaxPage
    from .pipeline import render_all
    from .renderer import Renderer
    from .validate import DocumentInfo, inspect, inspect_all


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Binarisation", "CoverPage", "DocType", "DocumentError", "DocumentInfo", "ErrorCode",
    "FaxPage", "HeaderLine", "LINE_WIDTH_PX", "Limits", "Renderer", "RenderOptions",
    "Resolution", "detect_type", "inspect", "inspect_all", "render_all",
]
