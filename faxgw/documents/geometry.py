"""Fax page geometry (ITU-T T.4 §2): the pixel grid a page is rendered onto.

The grid itself (204 dpi across, 98, 196 or 391 lines per inch down) is
``faxgw.pageformat``. Pages are scaled to fit the line width without distortion, never
enlarged when they already fit, and keep their own length up to the longest page we allow.
"""

from __future__ import annotations

from dataclasses import dataclass

from faxgw.pageformat import X_DPI, Resolution

LINE_WIDTH_PX = 1728
LINE_WIDTH_MM = 215.0
MM_PER_INCH = 25.4
POINTS_PER_INCH = 72.0

A4_MM = (210.0, 297.0)
LETTER_MM = (215.9, 279.4)
# T.4 lets a page be as long as the receiver accepts; B4 (364 mm) is the longest fixed size
# it names, and receivers that do not announce "unlimited" may cut longer pages off.
MAX_LENGTH_MM = 364.0


@dataclass(frozen=True)
class Placement:
    """Where a source page of ``width`` x ``height`` inches lands on the fax page.

    ``scale`` is the uniform factor applied to the source (≤ 1), ``rotate`` says whether a
    landscape source is turned a quarter turn first, ``left_px`` centres it across the line,
    and the page is ``height_px`` lines long.
    """

    rotate: bool
    scale: float
    content_width_px: int
    content_height_px: int
    left_px: int
    height_px: int


def place(width_in: float, height_in: float, resolution: Resolution,
          max_length_mm: float = MAX_LENGTH_MM) -> Placement:
    """Fit a source page (its size in inches, as displayed) onto the fax page.

    A landscape page is turned a quarter turn when that lets it print larger: A4 or Letter
    landscape, too wide for the line, then prints at (nearly) full size instead of at 72 %.
    A landscape page that fits the line as it is (A5 landscape, a 10 x 15 cm photo) stays
    upright: turning it would gain nothing and make the reader turn the paper.
    """
    scale = _fit_scale(width_in, height_in, max_length_mm)
    rotate = width_in > height_in and _fit_scale(height_in, width_in, max_length_mm) > scale
    if rotate:
        width_in, height_in = height_in, width_in
        scale = _fit_scale(width_in, height_in, max_length_mm)
    content_w = max(1, min(LINE_WIDTH_PX, round(width_in * scale * X_DPI)))
    content_h = max(1, round(height_in * scale * resolution.y_dpi))
    return Placement(
        rotate=rotate,
        scale=scale,
        content_width_px=content_w,
        content_height_px=content_h,
        left_px=(LINE_WIDTH_PX - content_w) // 2,
        height_px=content_h,
    )


def _fit_scale(width_in: float, height_in: float, max_length_mm: float) -> float:
    """The uniform factor that fits a page into the line width and the longest page: never
    above 1 (a small page is not enlarged), the same across and down (no distortion)."""
    return min(1.0, LINE_WIDTH_PX / X_DPI / width_in, max_length_mm / MM_PER_INCH / height_in)


def page_length_mm(height_px: int, resolution: Resolution) -> float:
    return height_px / resolution.y_dpi * MM_PER_INCH
