"""The cover page, typeset with reportlab from the send request."""

from __future__ import annotations

import datetime as dt
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from .fonts import printable, reportlab_bold, reportlab_mono
from .options import CoverPage

LEFT = 25 * mm
RIGHT = A4[0] - 20 * mm
TOP = A4[1] - 30 * mm
FIELD_SIZE_PT = 13
MESSAGE_SIZE_PT = 12


def cover_fields(cover: CoverPage, pages: int, when: dt.datetime) -> list[tuple[str, str]]:
    """The labelled lines of the cover, in print order; empty fields are left out."""
    fields = [
        ("To", cover.to),
        ("Fax", cover.to_number),
        ("From", cover.sender),
        ("Sender fax", cover.sender_number),
        ("Date", when.strftime("%Y-%m-%d %H:%M")),
        ("Subject", cover.subject),
        ("Pages", f"{pages} (including this cover page)"),
    ]
    return [(label, printable(value)) for label, value in fields if value]


def typeset_cover(cover: CoverPage, pages: int, when: dt.datetime) -> bytes:
    """A one-page A4 PDF: a FAX title, the fields, a rule, and the message wrapped."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=0)
    pdf.setFont(reportlab_bold(), 40)
    pdf.drawString(LEFT, TOP, "FAX")
    y = TOP - 22 * mm
    for label, value in cover_fields(cover, pages, when):
        y = _field(pdf, label, value, y)
    pdf.setLineWidth(1.5)
    pdf.line(LEFT, y, RIGHT, y)
    _message(pdf, cover.message, y - 10 * mm)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _field(pdf: canvas.Canvas, label: str, value: str, y: float) -> float:
    pdf.setFont(reportlab_bold(), FIELD_SIZE_PT)
    pdf.drawString(LEFT, y, f"{label}:")
    pdf.setFont(reportlab_mono(), FIELD_SIZE_PT)
    lines = simpleSplit(value, reportlab_mono(), FIELD_SIZE_PT, RIGHT - LEFT - 40 * mm) or [""]
    for line in lines:
        pdf.drawString(LEFT + 40 * mm, y, line)
        y -= FIELD_SIZE_PT * 1.6
    return y - 2 * mm


def _message(pdf: canvas.Canvas, message: str, y: float) -> None:
    pdf.setFont(reportlab_mono(), MESSAGE_SIZE_PT)
    for paragraph in printable(message).splitlines() or [""]:
        for line in simpleSplit(paragraph, reportlab_mono(), MESSAGE_SIZE_PT, RIGHT - LEFT) or [""]:
            if y < 20 * mm:
                return  # a cover is one page; the rest of a very long message is cut
            pdf.drawString(LEFT, y, line)
            y -= MESSAGE_SIZE_PT * 1.4
