"""The fax page grid of T.4 clause 2.2: its vertical resolutions and pixel densities.

A fax line is 1728 pixels across 215 mm (8.04 pixels/mm, which TIFF Class F and every fax
program call 204 dpi); the vertical resolutions are 3.85, 7.7 and 15.4 lines/mm, which are
98, 196 and 391 lines per inch. Pure and dependency-free, so the session types, the
document pipeline, the codec's tools and the modem drivers all name them from here.
"""

from __future__ import annotations

from enum import Enum

X_DPI = 204.0


class Resolution(str, Enum):
    """A vertical resolution, its value as the API and the T.30 session name it."""

    STANDARD = "standard"  # 3.85 lines/mm
    FINE = "fine"  # 7.7 lines/mm
    SUPERFINE = "superfine"  # 15.4 lines/mm

    @property
    def lines_per_mm(self) -> float:
        return _LINES_PER_MM[self.value]

    @property
    def y_dpi(self) -> float:
        return _Y_DPI[self.value]

    @property
    def x_dpi(self) -> float:
        return X_DPI

    @property
    def dpi(self) -> tuple[float, float]:
        return (X_DPI, self.y_dpi)

    @property
    def rank(self) -> int:
        """0, 1, 2 from coarse to fine: each step doubles the lines of a page."""
        return tuple(_Y_DPI).index(self.value)

    @classmethod
    def nearest(cls, y_dpi: float) -> Resolution:
        """The resolution whose lines per inch are closest to ``y_dpi`` (an image's own)."""
        return min(cls, key=lambda r: abs(r.y_dpi - y_dpi))


_LINES_PER_MM = {"standard": 3.85, "fine": 7.7, "superfine": 15.4}
_Y_DPI = {"standard": 98.0, "fine": 196.0, "superfine": 391.0}
