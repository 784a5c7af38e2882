"""`faxgw g3 decode` and `faxgw g3 encode`: the codec for people.

    faxgw g3 decode PAGE.tif -o page.png                (TIFF Class F, every page)
    faxgw g3 decode PAGE.g3 --width 1728 --coding MR -o page.png   (a raw G3/G4 stream)
    faxgw g3 encode IMAGE... -o OUT.tif [--coding MH|MR|MMR] [--resolution fine]

Errors are one line on stderr and a non-zero exit status (1 for bad input files, 2 for
bad command lines, as argparse does).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from faxgw.pageformat import Resolution

from . import codec
from .errors import G3Error
from .tiff import Page, read_tiff, write_tiff

TIFF_MAGICS = (b"II*\0", b"MM\0*")
FAX_WIDTHS = (1728, 2048, 2432)


class CliError(Exception):
    """A reason to stop with a one-line message and exit status 1."""


def register(subparsers) -> None:
    g3 = subparsers.add_parser("g3", help="G3/G4 fax image codec (T.4 MH/MR, T.6 MMR)")
    commands = g3.add_subparsers(dest="g3_command", metavar="COMMAND", required=True)

    decode = commands.add_parser(
        "decode", help="a TIFF Class F or raw G3/G4 stream to PNG pages",
        description="Decode a TIFF Class F (every page) or a raw T.4/T.6 stream (one page) "
                    "to PNG. Pages of a multi-page input go to OUT-1.png, OUT-2.png, ...")
    decode.add_argument("input", type=Path)
    decode.add_argument("-o", "--output", type=Path, required=True, help="PNG file name")
    decode.add_argument("--width", type=int, help="raw streams: pixels per line (e.g. 1728)")
    decode.add_argument("--coding", choices=sorted(codec.CODINGS), help="raw streams: coding")
    decode.add_argument("--bit-order", choices=codec.BIT_ORDERS, default="lsb",
                        help="raw streams: lsb = modem order (default), msb = TIFF FillOrder 1")
    decode.set_defaults(func=run_decode)

    encode = commands.add_parser(
        "encode", help="images to a TIFF Class F",
        description="Encode images (every frame) as the pages of one TIFF Class F. Colour "
                    "and grey images are dithered to black and white; the size is kept "
                    "(fax pages are 1728, 2048 or 2432 pixels wide).")
    encode.add_argument("inputs", type=Path, nargs="+")
    encode.add_argument("-o", "--output", type=Path, required=True)
    encode.add_argument("--coding", choices=sorted(codec.CODINGS), default="MH")
    encode.add_argument("--resolution", choices=[r.value for r in Resolution], default="fine",
                        help="vertical resolution recorded in the file (204 x 98/196/391 dpi)")
    encode.add_argument("--fill-order", type=int, choices=(1, 2), default=1)
    encode.set_defaults(func=run_encode)


def _fail(message: str) -> int:
    print(f"faxgw g3: error: {message}", file=sys.stderr)
    return 1


def run_decode(args) -> int:
    try:
        data = _read(args.input)
        if data[:4] in TIFF_MAGICS:
            pages = read_tiff(data)
        else:
            pages = [_decode_raw(data, args)]
        outputs = _numbered(args.output, len(pages))
        for number, (page, output) in enumerate(zip(pages, outputs), start=1):
            page.image.save(output, "PNG", dpi=(page.x_dpi, page.y_dpi))
            report = page.report
            print(f"page {number}: {page.image.size[0]}x{page.image.size[1]} "
                  f"{page.x_dpi:g}x{page.y_dpi:g} dpi, {report.bad_lines} bad lines "
                  f"(longest run {report.longest_bad_run}), end {report.end} -> {output}")
    except (CliError, G3Error) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or args.output}: {exc.strerror or exc}")
    return 0


def _decode_raw(data: bytes, args) -> Page:
    if args.width is None or args.coding is None:
        raise CliError(f"{args.input} is not a TIFF; a raw stream needs --width and --coding")
    if not data:
        raise CliError(f"{args.input} is empty")
    image, report = codec.decode(data, args.width, args.coding, bit_order=args.bit_order)
    if report.lines == 0:
        raise CliError(f"{args.input}: no {args.coding} lines found (wrong coding or bit order?)")
    return Page(image, report=report)


def run_encode(args) -> int:
    try:
        pages = [page for path in args.inputs for page in _image_pages(path, args.resolution)]
        for page in pages:
            if page.image.size[0] not in FAX_WIDTHS:
                print(f"faxgw g3: note: a page is {page.image.size[0]} pixels wide; fax "
                      f"machines expect {', '.join(map(str, FAX_WIDTHS))}", file=sys.stderr)
        tiff = write_tiff(pages, args.coding, fill_order=args.fill_order)
        args.output.write_bytes(tiff)
    except (CliError, G3Error) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or args.output}: {exc.strerror or exc}")
    print(f"{len(pages)} page(s), {args.coding}, {len(tiff)} bytes -> {args.output}")
    return 0


def _image_pages(path: Path, resolution: str) -> list[Page]:
    try:
        with Image.open(path) as image:
            frames = [frame.convert("1") for frame in ImageSequence.Iterator(image)]
    except UnidentifiedImageError:
        raise CliError(f"{path}: not an image Pillow can read") from None
    except FileNotFoundError:
        raise
    except (Image.DecompressionBombError, SyntaxError, ValueError, OSError) as exc:
        # Pillow reports a truncated or corrupt file as OSError without a file name.
        raise CliError(f"{path}: unreadable image ({exc})") from None
    return [Page(frame, *Resolution(resolution).dpi) for frame in frames]


def _read(path: Path) -> bytes:
    if path.is_dir():
        raise CliError(f"{path} is a directory")
    return path.read_bytes()


def _numbered(output: Path, count: int) -> list[Path]:
    if count == 1:
        return [output]
    return [output.with_name(f"{output.stem}-{n}{output.suffix or '.png'}")
            for n in range(1, count + 1)]
