"""Fonts for typeset text, the cover page and the header line.

A monospaced font with wide Unicode coverage and sturdy strokes (thin Courier breaks up at
98 lines per inch) when the system has one; reportlab's built-in Courier otherwise.
"""

from __future__ import annotations

import functools
import os

from PIL import ImageFont

MONO_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
)
BOLD_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)
REPORTLAB_MONO = "FaxgwMono"


def _first_existing(paths: tuple[str, ...]) -> str | None:
    return next((p for p in paths if os.path.exists(p)), None)


@functools.cache
def reportlab_mono() -> str:
    """Name of the monospaced font to give reportlab; registered once per process."""
    path = _first_existing(MONO_CANDIDATES)
    if path is None:
        return "Courier"
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(REPORTLAB_MONO, path))
    return REPORTLAB_MONO


@functools.cache
def reportlab_bold() -> str:
    path = _first_existing(BOLD_CANDIDATES)
    if path is None:
        return "Helvetica-Bold"
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("FaxgwBold", path))
    return "FaxgwBold"


@functools.cache
def pillow_mono(size_px: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    path = _first_existing(MONO_CANDIDATES)
    if path is None:
        return ImageFont.load_default(size=size_px)
    return ImageFont.truetype(path, size_px)
