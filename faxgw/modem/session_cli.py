"""``faxgw modem send`` and ``faxgw modem receive``: one fax session on one modem, for
technicians, independent of the daemon (like efax). The session is built by
``faxgw.modem.sessions``, as the daemon's are, so a technician's try shows what the daemon
would do with that modem (its class, modulations, ECM). Each prints the SessionResult as
JSON; the exit status is 0 only when the fax went through.

``faxgw.modem.cli`` creates the ``modem`` group and calls ``register`` here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from faxgw.modem.pages import ImagePages, received_tiff
from faxgw.page_decoder import G3Decoder
from faxgw.modem.sessions import SessionOptions, build_session
from faxgw.session import ReceivedPage, Resolution, SessionResult
from faxgw.t30.link import ModemFault

RING_WAIT_S = 300.0  # receive: how long to wait for a call before giving up


def register(modem_commands: argparse._SubParsersAction) -> None:
    send = modem_commands.add_parser("send", help="send a fax now and print the result")
    _common(send)
    send.add_argument("--resolution", choices=[r.value for r in Resolution], default="fine",
                      help="resolution to render the documents at (default fine)")
    send.add_argument("number", help="the number to dial, as the line dials it")
    send.add_argument("files", nargs="+", type=Path, metavar="FILE",
                      help="TIFF Class F, image, PDF or text (see 'faxgw convert')")
    send.set_defaults(func=run_send)
    receive = modem_commands.add_parser("receive", help="answer one call and receive a fax")
    _common(receive)
    receive.add_argument("--output", required=True, type=Path,
                         help="directory for the received fax (TIFF Class F)")
    receive.add_argument("--ring-timeout", type=float, default=RING_WAIT_S,
                         help=f"seconds to wait for a call (default {RING_WAIT_S:.0f})")
    receive.set_defaults(func=run_receive)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", required=True, help="serial port or hw-sim pty")
    parser.add_argument("--profile", help="modem profile name (default: probe and match)")
    parser.add_argument("--drivers", type=Path, action="append", default=[],
                        help="extra directory of profiles (searched before drivers/)")
    parser.add_argument("--ident", default="", help="our station id (CSI/TSI), e.g. +1 555 0100")
    parser.add_argument("--no-ecm", dest="ecm", action="store_false",
                        help="never use error correction mode (as [[modem]] ecm = false)")
    parser.add_argument("--ecm-frame-size", type=int, choices=(256, 64), default=256,
                        help="octets per ECM frame (as [[modem]] ecm_frame_size; default 256)")


def _options(args: argparse.Namespace) -> SessionOptions:
    return SessionOptions(ident=args.ident, ecm=args.ecm, ecm_frame_size=args.ecm_frame_size)


def run_send(args: argparse.Namespace) -> int:
    from faxgw import documents

    options = documents.RenderOptions(resolution=documents.Resolution(args.resolution))
    render_all = documents.render_all
    pages = render_all([path.read_bytes() for path in args.files], options)
    source = ImagePages([p.image for p in pages], Resolution(args.resolution))
    return _report(asyncio.run(_send(args, source)))


async def _send(args: argparse.Namespace, source: ImagePages) -> SessionResult | dict:
    from faxgw import g3
    from faxgw.modem.device import open_modem
    from faxgw.modem.profiles import profile_dirs

    # Before dialling, as the daemon does at start: a codec compiled on a cold cache during
    # the call (seconds) would make the receiver give up between CFR and the page.
    await asyncio.to_thread(g3.warm_up)
    try:
        async with open_modem(args.device, args.profile, dirs=profile_dirs(args.drivers)) as modem:
            return await build_session(modem, _options(args)).send(args.number, source)
    except ModemFault as exc:
        return {"device": args.device, "outcome": "modem_fault", "error": str(exc)}


def run_receive(args: argparse.Namespace) -> int:
    args.output.mkdir(parents=True, exist_ok=True)
    return _report(asyncio.run(_receive(args)))


async def _receive(args: argparse.Namespace) -> SessionResult | dict:
    from faxgw.modem.device import open_modem
    from faxgw.modem.at.errors import ATTimeout
    from faxgw.modem.profiles import profile_dirs

    pages: list[ReceivedPage] = []
    try:
        async with open_modem(args.device, args.profile, dirs=profile_dirs(args.drivers)) as modem:
            session = build_session(modem, _options(args), G3Decoder())  # refuses no class
            await modem.wait_for_ring(args.ring_timeout)
            result = await session.receive(pages.append)
    except ATTimeout:
        return {"device": args.device, "outcome": "no_call", "error": "no RING"}
    except ModemFault as exc:
        return {"device": args.device, "outcome": "modem_fault", "error": str(exc)}
    if pages:
        result.detail = (result.detail + "; " if result.detail else "") + \
            f"saved {_save(args.output, pages)}"
    return result


def _save(directory: Path, pages: list[ReceivedPage]) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"fax-{stamp}.tif"
    path.write_bytes(received_tiff(pages))
    return path


def _report(result: SessionResult | dict) -> int:
    if isinstance(result, SessionResult):
        print(result.to_json(indent=2))
        return 0 if result.success else 1
    print(json.dumps(result, indent=2))
    return 1


if __name__ == "__main__":
    from faxgw.cli import main

    sys.exit(main(["modem", *sys.argv[1:]]))
