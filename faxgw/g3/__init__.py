"""faxgw.g3: the T.4 (MH, MR) and T.6 (MMR) image codec and TIFF Class F.

    encode(image, coding, **options) -> bytes
    decode(data, width, coding, **options) -> (image, DecodeReport)

`image` is a Pillow mode "1" image (0 black, 255 white); `coding` is "MH", "MR" or "MMR".
Only G3Error is ever raised. See codec.encode / codec.decode for every option, and
faxgw.g3.tiff for multi-page TIFF Class F.
"""

from .codec import DecodeReport, decode, encode, encode_rows, min_line_bits, warm_up
from .errors import G3Error

__all__ = ["encode", "encode_rows", "decode", "DecodeReport", "G3Error", "min_line_bits", "warm_up"]
