"""Test pages for the G3 codec, built from nothing but Pillow and numpy.

Every function returns a Pillow mode "1" image (0 black, 255 white). The cases are the
ones the codec issue lists: uniform pages, pixels at both edges, alternating pixels (the
most changes a line can have), runs that cross every make-up code boundary, text, and a
dithered photograph.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FAX_WIDTHS = (1728, 2048, 2432)
FINE_A4 = (1728, 2292)


def from_black_mask(black: np.ndarray) -> Image.Image:
    """A mode "1" image from a boolean array where True is black."""
    return Image.fromarray(~black.astype(bool))


def all_white(width: int, height: int = 8) -> Image.Image:
    return from_black_mask(np.zeros((height, width), bool))


def all_black(width: int, height: int = 8) -> Image.Image:
    return from_black_mask(np.ones((height, width), bool))


def edge_pixels(width: int) -> Image.Image:
    """Single black pixels at the first and last column, alone and together, and their
    negatives (single white pixels on black lines)."""
    black = np.zeros((8, width), bool)
    black[0, 0] = True
    black[1, width - 1] = True
    black[2, [0, width - 1]] = True
    black[3, min(1, width - 1)] = black[3, max(width - 2, 0)] = True
    black[4:8] = ~black[0:4]
    return from_black_mask(black)


def alternating(width: int, height: int = 6) -> Image.Image:
    """Alternating pixels, shifted by one each line (a checkerboard) and then repeated
    (vertical stripes): every pixel is a changing element."""
    x = np.arange(width)
    black = np.array([((x + y // 3 * (y % 2)) % 2) == 1 for y in range(height)])
    return from_black_mask(black)


def makeup_boundary_runs(width: int) -> Image.Image:
    """One line per (length, colour): a run of that length starting at column 1, for every
    length around each make-up code boundary (63/64/65 ... 2559/2560/2561 and beyond) that
    fits the width."""
    lengths = sorted({n * 64 + d for n in range(1, 42) for d in (-1, 0, 1)} | {2623, 2624, 5120,
                                                                          5184, 5185})
    rows = []
    for length in (n for n in lengths if 1 + n <= width):
        line = np.zeros(width, bool)
        line[1 : 1 + length] = True
        rows.append(line)  # black run of `length`, white runs around it
        rows.append(~line)  # white run of `length` between black pixels
        full = np.zeros(width, bool)
        full[:length] = True
        rows.append(full)  # run starting at column 0
    return from_black_mask(np.array(rows))


def text_page(size=FINE_A4, lines: int = 60, seed: int = 1) -> Image.Image:
    """A page of typewritten-looking text, the usual fax."""
    rng = np.random.default_rng(seed)
    image = Image.new("1", size, 1)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    words = "fax gateway invoice total amount page line modem receipt ITU T.4 1728".split()
    for i in range(lines):
        text = " ".join(rng.choice(words, size=12))
        draw.text((80, 60 + i * (size[1] - 120) // lines), text, fill=0, font=font)
    draw.rectangle((80, 20, size[0] - 80, 40), fill=0)
    return image


def dithered_photo(size=FINE_A4, seed: int = 2) -> Image.Image:
    """A smooth grey picture with detail, error-diffusion dithered by Pillow: the hardest
    realistic fax page (many short runs)."""
    width, height = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    grey = 128 + 60 * np.sin(x / 97.0) * np.cos(y / 131.0) + 50 * np.sin((x + y) / 41.0)
    grey += rng.normal(0, 12, size=(height, width))
    grey = np.clip(grey, 0, 255).astype(np.uint8)
    return Image.fromarray(grey, "L").convert("1")  # Floyd-Steinberg by default


def random_runs(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    black = np.zeros((height, width), bool)
    for y in range(height):
        edges = np.sort(rng.integers(0, width + 1, size=rng.integers(0, 40)))
        for start, stop in zip(edges[::2], edges[1::2]):
            black[y, start:stop] = True
    return from_black_mask(black)


def black_mask(image: Image.Image) -> np.ndarray:
    return ~np.asarray(image.convert("1"), dtype=bool)


def small_cases(width: int) -> dict[str, Image.Image]:
    cases = {
        "all_white": all_white(width),
        "all_black": all_black(width),
        "edge_pixels": edge_pixels(width),
        "alternating": alternating(width),
        "random_runs": random_runs(width, 40, seed=width),
    }
    if width > 64:  # narrower lines have no make-up codes
        cases["makeup_runs"] = makeup_boundary_runs(width)
    return cases
