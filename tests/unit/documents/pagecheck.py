"""Measuring rendered pages: where is the ink?"""

from __future__ import annotations

import datetime as dt

import numpy as np
from PIL import Image

from faxgw.documents.geometry import LINE_WIDTH_PX, X_DPI, place
from tests.unit.documents.corpus import MARKER_AT, MARKER_SIDE_PT


def black(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L")) < 128


def ink_box(image: Image.Image, area: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    """Bounding box (left, top, right, bottom) of the black pixels inside ``area``."""
    left, top, right, bottom = area
    ink = black(image)[top:bottom, left:right]
    if not ink.any():
        return None
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return left + cols[0], top + rows[0], left + cols[-1] + 1, top + rows[-1] + 1


def expected_marker_px(page_in: tuple[float, float], y_dpi: float) -> tuple[float, float, float]:
    """Where the corpus marker should land: left x, top y, side width in pixels."""
    placement = place(*page_in, _res(y_dpi))
    kx = placement.scale * X_DPI / 72
    ky = placement.scale * y_dpi / 72
    return placement.left_px + MARKER_AT[0] * kx, MARKER_AT[1] * ky, MARKER_SIDE_PT * kx


def _res(y_dpi: float):
    from faxgw.documents import Resolution

    return min(Resolution, key=lambda r: abs(r.y_dpi - y_dpi))


def search_area(x: float, y: float, side: float, y_dpi: float = 196) -> tuple[int, int, int, int]:
    """Around the marker, wide enough for any error we care about, clear of the text."""
    margin = 20
    y_side = side * y_dpi / X_DPI
    return (max(0, int(x - margin)), max(0, int(y - margin * y_dpi / X_DPI)),
            min(LINE_WIDTH_PX, int(x + side + margin)), int(y + y_side + margin * y_dpi / X_DPI))


def header_rows(y_dpi: float) -> int:
    """How many lines at the top of a page the header line covers."""
    from faxgw.documents.header import strip_image

    return strip_image("", _res(y_dpi)).height


def header_strips(header, number: int, pages: int, before, after, y_dpi: float = 196) -> list[np.ndarray]:
    """The header strips (True = ink) faxgw may draw on page ``number`` of ``pages`` at a
    time between ``before`` and ``after``: one per minute the clock showed meanwhile."""
    from faxgw.documents.header import header_text, strip_image

    minutes, when = [], before.replace(second=0, microsecond=0)
    while when <= after:
        minutes.append(when)
        when += dt.timedelta(minutes=1)
    return [black(strip_image(header_text(header, number, pages, m), _res(y_dpi))) for m in minutes]


def header_sent_between(image: Image.Image, header, number: int, pages: int, before, after) -> bool:
    """Is the header strip of ``image`` the one drawn for page ``number`` of ``pages`` at
    some time between ``before`` and ``after`` (a minute may turn in between)?"""
    y_dpi = image.info.get("dpi", (204, 196))[1]
    strip = black(image)[:header_rows(y_dpi)]
    return any(np.array_equal(strip, s) for s in header_strips(header, number, pages, before, after, y_dpi))
