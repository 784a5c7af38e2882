"""Fonts for typeset text, the cover page and the header line.

A monospaced font with wide Unicode coverage and sturdy strokes (thin Courier breaks up at
98 lines per inch) when the system has one (Debian: fonts-dejavu-core); reportlab's built-in
Courier otherwise. Courier is a standard Type 1 font in WinAnsiEncoding: it has glyphs for
cp1252 only, and reportlab draws a black box for anything else. DejaVu Sans Mono adds Greek,
Cyrillic, Latin Extended and symbols, but no CJK or emoji either. A text document falls back
to a CJK font (Debian: fonts-noto-cjk; CFF outlines, which reportlab cannot embed, so those
characters are drawn by Pillow, see text.py) for what the monospaced font lacks, and is
refused (missing_text_glyphs) only for what neither can draw. In a header line or on a cover
page a character the monospaced font lacks is printed as "?" (printable).
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
CJK_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansMonoCJK-Regular.ttc",
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


def mono_font_name() -> str:
    """The font's name as a person knows it, for error messages."""
    path = _first_existing(MONO_CANDIDATES)
    return "Courier" if path is None else os.path.splitext(os.path.basename(path))[0]


# Characters the layout itself handles (line and page breaks, tabs): no glyph needed.
_LAYOUT = frozenset("\n\t\f")


def mono_coverage() -> frozenset[str]:
    """Every character the monospaced font can draw."""
    return coverage_of(reportlab_mono())


@functools.cache
def coverage_of(name: str) -> frozenset[str]:
    """Every character the reportlab font ``name`` (Courier or a registered TTF) can draw."""
    if name == "Courier":
        win_ansi = bytes(range(0x20, 0x100)).decode("cp1252", errors="ignore")
        return frozenset(win_ansi) - {"\x7f"} | _LAYOUT
    from reportlab.pdfbase import pdfmetrics

    return frozenset(map(chr, pdfmetrics.getFont(name).face.charToGlyph)) | _LAYOUT


def missing_glyphs(text: str, limit: int = 5) -> list[str]:
    """The first ``limit`` distinct characters of ``text`` the font cannot draw, in order."""
    missing = set(text) - mono_coverage()
    if not missing:
        return []
    return [c for c in dict.fromkeys(text) if c in missing][:limit]


def printable(text: str) -> str:
    """``text`` with every character the font cannot draw replaced by "?"."""
    coverage = mono_coverage()
    if set(text) <= coverage:
        return text
    return "".join(c if c in coverage else "?" for c in text)


def cjk_font_path() -> str | None:
    return _first_existing(CJK_CANDIDATES)


@functools.cache
def fallback_coverage() -> frozenset[str]:
    """Every character the CJK fallback font can draw (empty when it is not installed)."""
    path = cjk_font_path()
    if path is None:
        return frozenset()
    from .cmap import characters

    return characters(path)


def missing_text_glyphs(text: str, limit: int = 5) -> list[str]:
    """As missing_glyphs, for a text document: the CJK fallback counts too."""
    missing = missing_glyphs(text, limit=len(text))
    if not missing:
        return []
    fallback = fallback_coverage()
    return [c for c in missing if c not in fallback][:limit]


@functools.cache
def pillow_fallback(size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(cjk_font_path(), size_px)


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
