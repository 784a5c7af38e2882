"""Grey pages to black and white, as a fax machine prints them.

Text and line art want a plain threshold: edges stay sharp and the G3 runs stay long (a
dithered text page codes to several times the bytes). Photos want error diffusion, or they
turn into black blots. AUTO looks for areas of continuous tone: a page without any is
thresholded; a page with some gets dither there and threshold elsewhere, so a letter with a
photo in it keeps crisp text.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .options import Binarisation

# A pixel at least half covered by ink is black: what a rasteriser without anti-aliasing
# (ghostscript's fax devices) draws, so our glyphs match theirs. Pillow's convert("1")
# thresholds at exactly this level in C, 15x faster than a lookup table.
# A tile is continuous tone when most of it is neither paper nor ink. Text tiles, even
# dense small print, stay far below half grey; photos and shaded areas sit far above.
TILE_PX = 48
MIDTONE = (40, 215)
PHOTO_TILE_GREY_FRACTION = 0.5
ROW_STEP = 4


def threshold(grey: Image.Image) -> Image.Image:
    return grey.convert("1", dither=Image.Dither.NONE)


def packed_rows(pixels: np.ndarray) -> np.ndarray:
    """The thresholded page as the codec takes it (8 pixels a byte, 1 = white): exactly
    ``threshold``'s pixels, straight from numpy."""
    return np.packbits(pixels >= 128, axis=1)


def dither(grey: Image.Image) -> Image.Image:
    return grey.convert("1", dither=Image.Dither.FLOYDSTEINBERG)


def photo_tiles(pixels: np.ndarray) -> np.ndarray:
    """A boolean map, one entry per TILE_PX square: True where the page is continuous tone."""
    rows, cols = pixels.shape[0] // TILE_PX, pixels.shape[1] // TILE_PX
    # Every ROW_STEP-th row, all of it: sampling rather than averaging keeps text edges from
    # looking grey, and whole rows keep numpy on contiguous memory (5x faster than a grid).
    sample = pixels[: rows * TILE_PX : ROW_STEP]
    # One unsigned compare tests lo < v < hi: values below lo wrap round to the top.
    midtone = (sample - np.uint8(MIDTONE[0] + 1) < np.uint8(MIDTONE[1] - MIDTONE[0] - 1)).view(np.uint8)
    per_column = midtone.reshape(rows, TILE_PX // ROW_STEP, cols * TILE_PX).sum(axis=1, dtype=np.uint16)
    counts = per_column.reshape(rows, cols, TILE_PX).sum(axis=2)
    return counts > PHOTO_TILE_GREY_FRACTION * (TILE_PX // ROW_STEP) * TILE_PX


def as_image(pixels: np.ndarray) -> Image.Image:
    """A Pillow view of grey pixels, sharing their memory."""
    height, width = pixels.shape
    return Image.frombuffer("L", (width, height), pixels, "raw", "L", 0, 1)


def binarize(pixels: np.ndarray, mode: Binarisation) -> tuple[Image.Image, str]:
    """Black and white page from grey pixels, and the treatment used: threshold, dither or
    mixed."""
    grey = as_image(pixels)
    if mode is Binarisation.THRESHOLD:
        return threshold(grey), "threshold"
    if mode is Binarisation.DITHER:
        return dither(grey), "dither"
    tiles = photo_tiles(pixels)
    if not tiles.any():
        return threshold(grey), "threshold"
    if tiles.mean() > 0.9:
        return dither(grey), "dither"
    return _mixed(grey, tiles), "mixed"


def _mixed(grey: Image.Image, tiles: np.ndarray) -> Image.Image:
    """Threshold everywhere, then dither only the box around the photo tiles (error
    diffusion is the costly step) and keep its result inside the tiles. Pillow's paste with
    a mask does the keeping in C (numpy's boolean indexing took half the page's time)."""
    grown = _grow(tiles)
    tile_rows, tile_cols = np.nonzero(grown)
    top, bottom = tile_rows.min() * TILE_PX, (tile_rows.max() + 1) * TILE_PX
    left, right = tile_cols.min() * TILE_PX, (tile_cols.max() + 1) * TILE_PX
    inside = grown[tile_rows.min():tile_rows.max() + 1, tile_cols.min():tile_cols.max() + 1]
    page = threshold(grey)
    photo = dither(grey.crop((left, top, right, bottom)))
    mask = None
    if not inside.all():  # a photo that is not a rectangle of tiles: keep only its tiles
        tile_mask = Image.fromarray(inside.astype(np.uint8) * 255)
        mask = tile_mask.resize((right - left, bottom - top), Image.Resampling.NEAREST)
    page.paste(photo, (left, top), mask)
    return page


def _grow(tiles: np.ndarray) -> np.ndarray:
    """Widen photo areas by one tile so a photo's soft border is dithered, not cut."""
    grown = tiles.copy()
    grown[1:, :] |= tiles[:-1, :]
    grown[:-1, :] |= tiles[1:, :]
    grown[:, 1:] |= tiles[:, :-1]
    grown[:, :-1] |= tiles[:, 1:]
    return grown
