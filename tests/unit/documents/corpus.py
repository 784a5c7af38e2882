"""Documents the tests and the benchmark generate with reportlab and Pillow.

Every text page carries a MARKER: a large black square at a known place, so a test can
find where the page's content landed after rendering, and compare with ghostscript.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

# The marker: a filled square, its top-left corner MARKER_AT points from the page's top-left.
MARKER_AT = (144.0, 216.0)
MARKER_SIDE_PT = 36.0
# A character to find: GLYPH at GLYPH_SIZE_PT, its baseline starting GLYPH_AT from top-left.
GLYPH, GLYPH_AT, GLYPH_SIZE_PT = "F", (300.0, 252.0), 48
LOREM = "The quick brown fox jumps over the lazy dog. 0123456789 Fax gateway test line."


def text_pdf(pages: int, pagesize=A4, marker: bool = True, compress: bool = True) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=pagesize, pageCompression=int(compress))
    width, height = pagesize
    for number in range(1, pages + 1):
        if marker:
            x, y = MARKER_AT
            pdf.rect(x, height - y - MARKER_SIDE_PT, MARKER_SIDE_PT, MARKER_SIDE_PT, stroke=0, fill=1)
            pdf.setFont("Helvetica-Bold", GLYPH_SIZE_PT)
            pdf.drawString(GLYPH_AT[0], height - GLYPH_AT[1], GLYPH)
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(72, height - 72, f"Page {number} of {pages}")
        pdf.setFont("Times-Roman", 11)
        for line in range(int((height - 300) / 13)):
            pdf.drawString(72, height - 280 - line * 13, f"{number}.{line} {LOREM}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def photo(seed: int, size=(900, 640)) -> Image.Image:
    """A synthetic photograph: smooth gradients, soft shapes and noise, in colour."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.randrange(40, 200)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(12))
    noise = Image.effect_noise(size, 24).convert("RGB")
    return Image.blend(image, noise, 0.15)


def photo_pdf(pages: int) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for number in range(pages):
        buffer = io.BytesIO()
        photo(number).save(buffer, "JPEG", quality=85)
        pdf.drawImage(ImageReader(io.BytesIO(buffer.getvalue())), 40, 120, width=515, height=660)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def landscape_pdf() -> bytes:
    return text_pdf(1, pagesize=landscape(A4))


def letter_pdf(pages: int = 1) -> bytes:
    return text_pdf(pages, pagesize=LETTER)


def encrypted_pdf() -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, encrypt=StandardEncryption("secret", canPrint=0))
    pdf.drawString(72, 720, "confidential")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def zero_page_pdf() -> bytes:
    """A well-formed PDF whose page tree is empty, with a correct xref table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def truncated_pdf() -> bytes:
    data = text_pdf(3)
    return data[: len(data) // 2]


def corrupt_pdf() -> bytes:
    """A PDF header and trailer with garbage between: no readable structure at all."""
    return b"%PDF-1.7\n" + bytes(random.Random(7).randrange(256) for _ in range(4000)) + b"\n%%EOF\n"


def image_bytes(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def scan_page(dpi: int = 200) -> Image.Image:
    """A bilevel A4 'scan' with a marker square and some text, at ``dpi``."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    x, y = (round(v / 72 * dpi) for v in MARKER_AT)
    side = round(MARKER_SIDE_PT / 72 * dpi)
    draw.rectangle((x, y, x + side - 1, y + side - 1), fill=0)
    for line in range(30):
        draw.text((x, y + side + 40 + line * 30), f"{line} {LOREM}", fill=0)
    return image


def multipage_tiff(pages: int = 3) -> bytes:
    frames = [scan_page(150) for _ in range(pages)]
    return image_bytes(frames[0], "TIFF", save_all=True, append_images=frames[1:], dpi=(150, 150),
                       compression="tiff_lzw")


def fax_tiff(pages: int = 2, y_dpi: int = 196) -> tuple[bytes, list[Image.Image]]:
    """A TIFF Class F-like file (bilevel, G4, 1728 wide, 204 x y_dpi) and its pages."""
    frames = []
    for number in range(pages):
        page = Image.new("1", (1728, round(11.69 * y_dpi)), 1)
        draw = ImageDraw.Draw(page)
        draw.rectangle((300 + 40 * number, 400, 500 + 40 * number, 600), fill=0)
        draw.text((300, 700), f"fax page {number + 1}", fill=0)
        frames.append(page)
    data = image_bytes(frames[0], "TIFF", save_all=True, append_images=frames[1:],
                       compression="group4", dpi=(204, y_dpi))
    return data, frames


def bomb_png(side: int = 10_000) -> bytes:
    """100 million pixels that compress to a few kilobytes."""
    return image_bytes(Image.new("1", (side, side), 1), "PNG")
