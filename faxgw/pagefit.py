"""Fitting a page image onto the format a call agreed: its vertical resolution and its line
width. One fitter for every sender (the daemon's stored pages and the technician's images).

Vertical: by whole factors of two (98 / 196 / 391 lines per inch). Going coarser, a row is
black wherever any of the rows it stands for was, so a one-row stroke survives, and an odd
last row is kept (it stands for a group of its own). Going finer, each row is repeated.

Horizontal: T.4 clause 2.2 centres the 1728-pel A4 line within the wider B4 and A3 lines,
so a narrower image is centred on white, and a wider one keeps its middle.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from faxgw.pageformat import Resolution


def rescale_rows(image: Image.Image, have: Resolution, want: Resolution) -> Image.Image:
    """``image`` (mode "1") at ``have`` lines per inch, as rows at ``want``."""
    steps = have.rank - want.rank
    if steps == 0:
        return image
    white = np.asarray(image.convert("1"))
    if steps < 0:
        return Image.fromarray(np.repeat(white, 2 ** -steps, axis=0))
    factor = 2 ** steps
    short = -len(white) % factor
    if short:
        white = np.vstack([white, np.ones((short, white.shape[1]), bool)])
    merged = white.reshape(-1, factor, white.shape[1]).all(axis=1)  # white only if all were
    return Image.fromarray(merged)


def fit_width(image: Image.Image, width_px: int) -> Image.Image:
    """The image centred on a white line of ``width_px`` (cut in the middle when wider)."""
    if image.width == width_px:
        return image
    page = Image.new("1", (width_px, image.height), 1)
    page.paste(image.convert("1"), ((width_px - image.width) // 2, 0))
    return page


def fit_page(image: Image.Image, have: Resolution, want: Resolution,
             width_px: int) -> Image.Image:
    """Both at once: rows for ``want``, then the line width."""
    return fit_width(rescale_rows(image, have, want), width_px)
