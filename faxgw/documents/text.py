"""Plain UTF-8 text typeset with reportlab: monospaced, wrapped, paginated on A4.

Layout (lines per page) is plain Python so the page count is known at submit time without
building the PDF; the PDF is then rendered like any other.
"""

from __future__ import annotations

import io
import unicodedata

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from .errors import DocumentError, ErrorCode
from .fonts import (cjk_font_path, missing_text_glyphs, mono_coverage, mono_font_name,
                    pillow_fallback, reportlab_mono)

FONT_SIZE_PT = 10.5
LEADING_PT = 13.0
CHAR_ADVANCE_EM = 0.6  # every monospaced font we pick advances 0.6 em (Courier, DejaVu, Noto)
MARGIN_LEFT = 18 * mm
MARGIN_RIGHT = 12 * mm
# Room at the top for the header line that fax machines print over the page.
MARGIN_TOP = 18 * mm
MARGIN_BOTTOM = 12 * mm
TAB_SIZE = 8

COLUMNS = int((A4[0] - MARGIN_LEFT - MARGIN_RIGHT) / (FONT_SIZE_PT * CHAR_ADVANCE_EM))
LINES_PER_PAGE = int((A4[1] - MARGIN_TOP - MARGIN_BOTTOM) / LEADING_PT)
# C0 controls other than tab, newline and form feed would print as boxes or vanish.
_DROP_CONTROLS = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0C)} | {0x7F: None}


def decode_text(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(ErrorCode.NOT_UTF8,
                            f"text is not UTF-8 (invalid byte at offset {exc.start})") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_DROP_CONTROLS)
    check_printable(text)
    return text


def check_printable(text: str) -> None:
    """Refuse text the fax font would print as boxes: the sender must know it did not go."""
    missing = missing_text_glyphs(text)
    if missing:
        line = text.count("\n", 0, text.index(missing[0])) + 1
        listed = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing)
        fonts = mono_font_name() + (" nor the CJK font" if cjk_font_path() else "")
        raise DocumentError(ErrorCode.UNPRINTABLE,
                            f"the text has characters no fax font ({fonts}) can print, "
                            f"first on line {line}: {listed}; send it as a PDF with its fonts embedded")


def layout(text: str) -> list[list[str]]:
    """Pages of lines: tabs expanded, long lines wrapped, form feeds start a new page."""
    pages: list[list[str]] = []
    for chunk in text.split("\f"):
        lines = [piece for line in chunk.split("\n") for piece in _wrap(line.expandtabs(TAB_SIZE))]
        if lines and lines[-1] == "" and chunk.endswith("\n"):
            lines.pop()  # the newline that ends the last line does not start another
        pages.extend(lines[i:i + LINES_PER_PAGE] for i in range(0, max(len(lines), 1), LINES_PER_PAGE))
    while len(pages) > 1 and not any(pages[-1]):
        pages.pop()  # a trailing form feed or blank lines make no empty last page
    return pages


def columns_of(char: str) -> int:
    """Cells a character takes on the monospaced grid: two for a wide (CJK) one."""
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _wrap(line: str) -> list[str]:
    if len(line) <= COLUMNS // 2 or sum(map(columns_of, line)) <= COLUMNS:
        return [line]
    pieces, start, used = [], 0, 0
    for i, char in enumerate(line):
        width = columns_of(char)
        if used + width > COLUMNS:
            pieces.append(line[start:i])
            start, used = i, 0
        used += width
    pieces.append(line[start:])
    return pieces


def typeset(pages: list[list[str]]) -> bytes:
    """A PDF with one A4 page per entry of ``pages``."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=0)
    font = reportlab_mono()
    coverage = mono_coverage()
    for lines in pages:
        pdf.setFont(font, FONT_SIZE_PT)
        top = A4[1] - MARGIN_TOP - FONT_SIZE_PT
        if all(set(line) <= coverage for line in lines):  # the common case: one text object
            text = pdf.beginText(MARGIN_LEFT, top)
            text.setLeading(LEADING_PT)
            for line in lines:
                text.textLine(line)
            pdf.drawText(text)
        else:
            for n, line in enumerate(lines):
                _draw_line(pdf, font, line, top - n * LEADING_PT, coverage)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


# The fallback's characters as images at this resolution: the fax's finest is 400 dpi.
_FALLBACK_DPI = 400


def _draw_line(pdf: canvas.Canvas, font: str, line: str, baseline: float,
               coverage: frozenset[str]) -> None:
    """One line on the monospaced grid: runs the font has as text, runs it lacks (CJK) as
    images drawn by Pillow, which reads the fallback's CFF outlines."""
    cell = FONT_SIZE_PT * CHAR_ADVANCE_EM
    column = 0
    for in_font, run in _runs(line, coverage):
        x = MARGIN_LEFT + column * cell
        if in_font:
            pdf.drawString(x, baseline, run)
        else:
            _draw_fallback(pdf, run, x, baseline, cell)
        column += sum(map(columns_of, run))


def _runs(line: str, coverage: frozenset[str]) -> list[tuple[bool, str]]:
    runs: list[tuple[bool, str]] = []
    for char in line:
        in_font = char in coverage
        if runs and runs[-1][0] == in_font:
            runs[-1] = (in_font, runs[-1][1] + char)
        else:
            runs.append((in_font, char))
    return runs


def _draw_fallback(pdf: canvas.Canvas, run: str, x: float, baseline: float, cell: float) -> None:
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    scale = _FALLBACK_DPI / 72
    em_px = round(FONT_SIZE_PT * scale)
    cells = sum(map(columns_of, run))
    image = Image.new("L", (max(1, round(cells * cell * scale)), round(em_px * 1.25)), 255)
    draw = ImageDraw.Draw(image)
    glyphs = pillow_fallback(em_px)
    at = 0
    for char in run:
        width = columns_of(char)
        # Centred in its cells; the baseline one em below the top, as the text's.
        centre = (at + width / 2) * cell * scale
        draw.text((centre, em_px), char, font=glyphs, fill=0, anchor="ms")
        at += width
    pdf.drawImage(ImageReader(image), x, baseline - FONT_SIZE_PT * 0.25,
                  width=cells * cell, height=FONT_SIZE_PT * 1.25)
