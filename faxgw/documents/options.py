"""What a caller can ask of the pipeline: limits, resolution, binarisation, cover, header."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum

from .geometry import MAX_LENGTH_MM, Resolution


class Binarisation(str, Enum):
    """How grey becomes black and white. AUTO decides per page."""

    AUTO = "auto"
    THRESHOLD = "threshold"  # crisp text and line art
    DITHER = "dither"  # Floyd–Steinberg error diffusion: photos stay recognisable


@dataclass(frozen=True)
class Limits:
    """Refuse what a small box should not try. Defaults suit a 2-core gateway."""

    max_pages: int = 200  # per fax, cover page not counted
    max_image_pixels: int = 64_000_000  # a decompression bomb is bigger than this
    min_image_side_px: int = 8  # smaller is no picture anyone meant to fax
    max_text_bytes: int = 2_000_000


DEFAULT_HEADER_FORMAT = "{date} {time}   From: {sender_name} {sender_number}   Page {page} of {pages}"


@dataclass(frozen=True)
class HeaderLine:
    """The line every fax machine prints at the top of each page (47 CFR 64.1604 asks US
    senders for date, time, sender and its number; 'page n of N' is what readers expect).

    ``format`` is a str.format template with the fields date, time, sender_name,
    sender_number, to (the number dialled; also recipient_number), page and pages.
    ``timestamp`` None means "now" at the moment the line is drawn: the daemon stores its
    pages without the header and draws it as each page is coded for the line (see
    faxgw.documents.sending), so the time printed is the time of transmission.
    """

    sender_name: str = ""
    sender_number: str = ""
    recipient_number: str = ""
    format: str = DEFAULT_HEADER_FORMAT
    timestamp: dt.datetime | None = None


@dataclass(frozen=True)
class CoverPage:
    """A cover sheet built from the send request; the page count is filled in for you."""

    to: str = ""
    to_number: str = ""
    sender: str = ""
    sender_number: str = ""
    subject: str = ""
    message: str = ""


@dataclass(frozen=True)
class RenderOptions:
    resolution: Resolution = Resolution.FINE
    binarisation: Binarisation = Binarisation.AUTO
    cover: CoverPage | None = None
    header: HeaderLine | None = None
    limits: Limits = field(default_factory=Limits)
    max_length_mm: float = MAX_LENGTH_MM
    # None: pages only. "MH" | "MR" | "MMR": also encode each page with faxgw.g3 in the
    # worker, so the pages come back ready to dial.
    coding: str | None = None
    # Passed to faxgw.g3.encode with the coding, as (name, value) pairs (hashable, picklable):
    # e.g. (("bit_order", "msb"),) for TIFF strips.
    encode_options: tuple[tuple[str, object], ...] = ()
