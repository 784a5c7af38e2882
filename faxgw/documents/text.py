"""Plain UTF-8 text typeset with reportlab: monospaced, wrapped, paginated on A4.

Layout (lines per page) is plain Python so the page count is known at submit time without
building the PDF; the PDF is then rendered like any other.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from .errors import DocumentError, ErrorCode
from .fonts import missing_glyphs, mono_font_name, reportlab_mono

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
    missing = missing_glyphs(text)
    if missing:
        line = text.count("\n", 0, text.index(missing[0])) + 1
        listed = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing)
        raise DocumentError(ErrorCode.UNPRINTABLE,
                            f"the text has characters the fax font ({mono_font_name()}) cannot print, "
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


def _wrap(line: str) -> list[str]:
    if len(line) <= COLUMNS:
        return [line]
    return [line[i:i + COLUMNS] for i in range(0, len(line), COLUMNS)]


def typeset(pages: list[list[str]]) -> bytes:
    """A PDF with one A4 page per entry of ``pages``."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=0)
    font = reportlab_mono()
    for lines in pages:
        pdf.setFont(font, FONT_SIZE_PT)
        text = pdf.beginText(MARGIN_LEFT, A4[1] - MARGIN_TOP - FONT_SIZE_PT)
        text.setLeading(LEADING_PT)
        for line in lines:
            text.textLine(line)
        pdf.drawText(text)
        pdf.showPage()
    pdf.save()
    return out.getvalue()
