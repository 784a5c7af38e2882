"""Raster documents (TIFF, PNG, JPEG, GIF, BMP) through Pillow, one page per frame.

A TIFF that is already a fax (bilevel, G3/G4, 1728 pixels at 204 dpi, the fax's vertical
resolution) passes through as its own pixels: rescaling and re-binarising would only blur it.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from .detect import DocType
from .errors import DocumentError, ErrorCode
from .geometry import A4_MM, LINE_WIDTH_PX, MM_PER_INCH, X_DPI, Placement, Resolution, place
from .options import Limits

_SANE_DPI = (50.0, 2400.0)
_TIFF_X_RESOLUTION, _TIFF_Y_RESOLUTION, _TIFF_RESOLUTION_UNIT = 282, 283, 296
_CENTIMETRE_UNIT = 3


def open_image(data: bytes, kind: DocType, limits: Limits) -> Image.Image:
    """Open and check every frame's size, without decoding pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            _check_frames(image, kind, limits)
    except Image.DecompressionBombError:
        raise _too_large() from None
    except DocumentError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DocumentError(ErrorCode.CORRUPT, f"the {kind.value.upper()} image cannot be read ({exc})") from None
    return image


def _too_large() -> DocumentError:
    return DocumentError(ErrorCode.IMAGE_TOO_LARGE, "the image has too many pixels (a decompression bomb?)")


def _check_frames(image: Image.Image, kind: DocType, limits: Limits) -> None:
    for frame in frames_of(image, kind):
        _check_size(frame, limits)
    if kind is DocType.TIFF:
        image.seek(0)


def check_decodes(image: Image.Image, kind: DocType) -> None:
    """Decode every frame once, so a truncated or damaged image is refused at submit.
    A JPEG decodes at 1/8 scale: enough to find damage, a fraction of the cost."""
    try:
        for frame in frames_of(image, kind):
            if frame.format == "JPEG":
                frame.draft("L", (frame.width // 8, frame.height // 8))
            frame.load()
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DocumentError(ErrorCode.CORRUPT,
                            f"the {kind.value.upper()} image is damaged or truncated ({exc})") from None


def _check_size(frame: Image.Image, limits: Limits) -> None:
    width, height = frame.size
    if width * height > limits.max_image_pixels:
        raise DocumentError(ErrorCode.IMAGE_TOO_LARGE,
                            f"the image is {width}x{height} pixels, more than the limit of "
                            f"{limits.max_image_pixels} (a decompression bomb?)")
    if min(width, height) < limits.min_image_side_px:
        raise DocumentError(ErrorCode.IMAGE_TOO_SMALL,
                            f"the image is only {width}x{height} pixels, too small to fax")


def frames_of(image: Image.Image, kind: DocType):
    """TIFF pages are fax pages: a multi-page TIFF is a document (a scan, a fax). The frames
    of an animated GIF or APNG (or an MPO's second view) are moments of one picture, not
    pages: a viewer shows, and a printer prints, the first frame, and so do we (one page)."""
    if kind is DocType.TIFF:
        return ImageSequence.Iterator(image)
    return iter([image])


def count_frames(image: Image.Image, kind: DocType) -> int:
    return getattr(image, "n_frames", 1) if kind is DocType.TIFF else 1


def frame(image: Image.Image, kind: DocType, index: int) -> Image.Image:
    if kind is DocType.TIFF:
        image.seek(index)
    return image


_EXIF_ORIENTATION = 0x0112


def upright(frame_image: Image.Image) -> Image.Image:
    """A camera's JPEG stores pixels as the sensor saw them and says how to turn them."""
    if frame_image.format in ("JPEG", "TIFF", "PNG") and frame_image.getexif().get(_EXIF_ORIENTATION, 1) != 1:
        turned = ImageOps.exif_transpose(frame_image)
        turned.format = frame_image.format
        return turned
    return frame_image


def fax_ready(frame_image: Image.Image, resolution: Resolution, max_height_px: int) -> bool:
    """Is this TIFF frame already a fax page at our width and resolution?"""
    if frame_image.format != "TIFF" or frame_image.mode != "1" or frame_image.width != LINE_WIDTH_PX:
        return False
    if frame_image.info.get("compression") not in ("group3", "group4"):
        return False
    dpi = _tiff_dpi(frame_image)
    if dpi is None or frame_image.height > max_height_px:
        return False
    return abs(dpi[0] - X_DPI) <= 2 and abs(dpi[1] - resolution.y_dpi) <= 3


def _tiff_dpi(frame_image: Image.Image) -> tuple[float, float] | None:
    tags = frame_image.tag_v2
    if _TIFF_X_RESOLUTION not in tags or _TIFF_Y_RESOLUTION not in tags:
        return None
    factor = 2.54 if tags.get(_TIFF_RESOLUTION_UNIT) == _CENTIMETRE_UNIT else 1.0
    return float(tags[_TIFF_X_RESOLUTION]) * factor, float(tags[_TIFF_Y_RESOLUTION]) * factor


def passthrough(frame_image: Image.Image) -> Image.Image:
    frame_image.load()
    return frame_image.copy()


def size_in_inches(frame_image: Image.Image) -> tuple[float, float]:
    """Physical size from the file's dpi; without one, the image fills an A4 page."""
    width, height = frame_image.size
    dpi = _tiff_dpi(frame_image) if frame_image.format == "TIFF" else frame_image.info.get("dpi")
    if dpi and all(_SANE_DPI[0] <= float(d) <= _SANE_DPI[1] for d in dpi):
        return width / float(dpi[0]), height / float(dpi[1])
    short_in, long_in = (side / MM_PER_INCH for side in A4_MM)
    fill_dpi = max(min(width, height) / short_in, max(width, height) / long_in)
    return width / fill_dpi, height / fill_dpi


def render_frame(frame_image: Image.Image, placement: Placement) -> np.ndarray:
    """A frame as grey pixels on the fax grid (rows x 1728, placement's length)."""
    target = (placement.content_width_px, placement.content_height_px)
    if placement.rotate:
        target = target[::-1]
    if frame_image.format == "JPEG":
        frame_image.draft("L", target)  # let libjpeg scale down while decoding: far cheaper
    grey = _to_grey(frame_image)
    if placement.rotate:
        grey = grey.transpose(Image.Transpose.ROTATE_90)
    grey = grey.resize((placement.content_width_px, placement.content_height_px),
                       Image.Resampling.LANCZOS, reducing_gap=3.0)
    page = Image.new("L", (LINE_WIDTH_PX, placement.height_px), 255)
    page.paste(grey, (placement.left_px, 0))
    return np.asarray(page)


def _to_grey(frame_image: Image.Image) -> Image.Image:
    """Grey on white: transparent areas become paper, not black."""
    if frame_image.mode in ("RGBA", "LA", "PA") or "transparency" in frame_image.info:
        rgba = frame_image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("L")
    if frame_image.mode.startswith("I"):
        # 16-bit grey: Pillow's convert("L") clips instead of scaling.
        return frame_image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return frame_image.convert("L")


def placement_for(frame_image: Image.Image, resolution: Resolution, max_length_mm: float) -> Placement:
    width_in, height_in = size_in_inches(frame_image)
    return place(width_in, height_in, resolution, max_length_mm)
