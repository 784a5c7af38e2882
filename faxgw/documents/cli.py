"""`faxgw convert`: documents to a TIFF Class F (or PNG pages) with the daemon's pipeline."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from .encode import CODINGS  # a light module: the codec itself is imported when used
from .errors import DocumentError
from .geometry import Resolution
from .options import DEFAULT_HEADER_FORMAT, Binarisation, CoverPage, HeaderLine, Limits, RenderOptions


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "convert", help="render documents to fax pages (TIFF Class F)",
        description="Render PDF, TIFF, PNG, JPEG, GIF, BMP or UTF-8 text to fax pages.")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", type=Path)
    parser.add_argument("-o", "--output", required=True, type=Path, help="the TIFF Class F to write")
    parser.add_argument("--resolution", choices=[r.value for r in Resolution], default="fine")
    parser.add_argument("--coding", type=str.upper, choices=CODINGS, default="MH")
    parser.add_argument("--binarisation", choices=[b.value for b in Binarisation], default="auto")
    parser.add_argument("--header", metavar="FORMAT", nargs="?", const=DEFAULT_HEADER_FORMAT,
                        help="print a header line on every page (fields: {date} {time} "
                             "{sender_name} {sender_number} {to} {page} {pages}, as in the config's "
                             "[sender] header_format)")
    parser.add_argument("--sender-name", default="")
    parser.add_argument("--sender-number", default="")
    parser.add_argument("--to", default="", metavar="NUMBER", help="the number {to} prints")
    parser.add_argument("--cover-to", metavar="NAME", help="add a cover page addressed to NAME")
    parser.add_argument("--subject", default="")
    parser.add_argument("--message", default="")
    parser.add_argument("--max-pages", type=int, default=Limits().max_pages)
    parser.add_argument("--png-dir", type=Path, help="also write each page as PNG into this folder")
    parser.set_defaults(func=convert)


def options_from(args: argparse.Namespace) -> RenderOptions:
    header = None
    if args.header is not None:
        header = HeaderLine(sender_name=args.sender_name, sender_number=args.sender_number,
                            recipient_number=args.to, format=args.header)
    cover = None
    if args.cover_to is not None:
        cover = CoverPage(to=args.cover_to, sender=args.sender_name, sender_number=args.sender_number,
                          subject=args.subject, message=args.message)
    return RenderOptions(resolution=Resolution(args.resolution), binarisation=Binarisation(args.binarisation),
                         header=header, cover=cover, limits=Limits(max_pages=args.max_pages))


def convert(args: argparse.Namespace) -> int:
    # Here, not at the top: the pipeline and the codec are what the conversion needs, and
    # only once the arguments are known to be good.
    from .encode import write_tiff_class_f
    from .pipeline import render_all

    try:
        documents = [_read(path) for path in args.inputs]
        pages = render_all(documents, options_from(args))
        _write_atomically(args.output, write_tiff_class_f(pages, args.coding))
    except DocumentError as exc:
        name = args.inputs[exc.document] if exc.document is not None else None
        reason = exc.reason.split(": ", 1)[1] if name is not None and ": " in exc.reason else exc.reason
        print(f"faxgw convert: {name or 'error'}: {reason} [{exc.code.value}]", file=sys.stderr)
        return 1
    except (OSError, RuntimeError) as exc:
        print(f"faxgw convert: {exc}", file=sys.stderr)
        return 1
    if args.png_dir:
        _write_pngs(args.png_dir, pages)
    print(f"{args.output}: {len(pages)} page(s), {args.resolution}, {args.coding}")
    return 0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise OSError(f"{path}: {exc.strerror}") from None


def _write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target and rename, so a failure leaves no half-written file."""
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _write_pngs(directory: Path, pages) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for page in pages:
        (directory / f"page-{page.number:03d}.png").write_bytes(page.to_png(square_pixels=True))
