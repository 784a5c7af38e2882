"""The header line printed across the top of every page, as fax machines do.

Like HylaFAX's tagline it is imaged over the top few millimetres of the page (cleared to
white first), so the page keeps its length. Glyphs are drawn at square pixels and then
squeezed to the page's line spacing, so the text reads the same at every resolution.
"""

from __future__ import annotations

import datetime as dt

from PIL import Image, ImageDraw

from .binarize import threshold
from .fonts import pillow_mono, printable
from .geometry import LINE_WIDTH_PX, X_DPI, Resolution
from .options import HeaderLine

STRIP_HEIGHT_PX = 36  # at 204 dpi square: 4.5 mm
FONT_SIZE_PX = 24  # about 3 mm capitals: the size fax machines print
LEFT_PX = 24


class _KeepUnknown(dict):
    """Leave ``{field}`` texts we do not know as they are, rather than fail."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def header_text(header: HeaderLine, page: int, pages: int, now: dt.datetime | None = None) -> str:
    when = header.timestamp or now or dt.datetime.now().astimezone()
    fields = _KeepUnknown(
        date=when.strftime("%Y-%m-%d"),
        time=when.strftime("%H:%M"),
        sender_name=header.sender_name,
        sender_number=header.sender_number,
        recipient_number=header.recipient_number,
        to=header.recipient_number,
        page=page,
        pages=pages,
    )
    try:
        return header.format.format_map(fields)
    except (ValueError, IndexError, AttributeError):
        return header.format  # a stray brace: print the text as the user wrote it


def strip_image(text: str, resolution: Resolution) -> Image.Image:
    """The header strip, black and white, 1728 wide, at the page's line spacing."""
    font = pillow_mono(FONT_SIZE_PX)
    square = Image.new("L", (LINE_WIDTH_PX, STRIP_HEIGHT_PX), 255)
    draw = ImageDraw.Draw(square)
    text = _fit(draw, printable(text), font)
    draw.text((LEFT_PX, STRIP_HEIGHT_PX // 2), text, font=font, fill=0, anchor="lm")
    height = max(1, round(STRIP_HEIGHT_PX * resolution.y_dpi / X_DPI))
    return threshold(square.resize((LINE_WIDTH_PX, height), Image.Resampling.BOX))


def _fit(draw: ImageDraw.ImageDraw, text: str, font) -> str:
    """Cut the text so it fits the line instead of running off the paper."""
    limit = LINE_WIDTH_PX - 2 * LEFT_PX
    while text and draw.textlength(text, font=font) > limit:
        text = text[:-1]
    return text


def stamp(page: Image.Image, strip: Image.Image) -> Image.Image:
    """Image the strip over the top lines of ``page`` (in place) and return it."""
    page.paste(strip, (0, 0))
    return page


def stamped(page: Image.Image, header: HeaderLine, number: int, pages: int, resolution: Resolution,
            now: dt.datetime | None = None) -> Image.Image:
    """A copy of ``page`` (at ``resolution``) with the header line of page ``number`` of
    ``pages`` drawn at ``now``. Only the strip is rendered (about a millisecond): cheap
    enough to do as each page is coded for the line, so the time printed is when it is sent."""
    strip = strip_image(header_text(header, number, pages, now), resolution)
    return stamp(page.copy(), strip)
