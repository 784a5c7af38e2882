"""``faxgw destinations list / show / set``: what faxgw learned per number called, read
and changed on the state directory's database (the daemon may run meanwhile: the store
serialises writers). Output is JSON, as the API's /admin/destinations answers."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import replace

DEFAULT_CONFIG = os.environ.get("FAXGW_CONFIG", "/etc/faxgw/faxgw.toml")  # as server_cli

BIT_RATES = ("14400", "12000", "9600", "7200", "4800", "2400", "none")
MAX_CSI = 20  # T.30: the CSI is 20 characters


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("destinations", help="what was learned per number called: "
                                                       "list, show, set or lock")
    sub = group.add_subparsers(dest="destinations_command", metavar="ACTION", required=True)
    lst = sub.add_parser("list", help="every destination as JSON, in number order")
    lst.set_defaults(func=cmd_list)
    show = sub.add_parser("show", help="one destination as JSON")
    show.add_argument("number")
    show.set_defaults(func=cmd_show)
    put = sub.add_parser("set", help="set what the next calls to NUMBER start from")
    put.add_argument("number")
    put.add_argument("--start-bit-rate", choices=BIT_RATES,
                     help="train first at no more than this (none: the top speed)")
    put.add_argument("--ecm", choices=("on", "off"), help="error correction for the next calls")
    put.add_argument("--pinned-csi", help="the CSI a fax with verifyRecipient must meet "
                                          "(none: forget it)")
    lock = put.add_mutually_exclusive_group()
    lock.add_argument("--lock", action="store_true", help="calls no longer change these values")
    lock.add_argument("--unlock", action="store_true", help="calls learn them again")
    put.set_defaults(func=cmd_set)
    for parser in (lst, show, put):
        parser.add_argument("--config", default=DEFAULT_CONFIG)


def _run(args, action) -> int:
    from faxgw import config as configuration
    from faxgw.config import ConfigError
    from faxgw.store import Store, destination_key

    try:
        config = configuration.load(args.config)
    except ConfigError as exc:
        print(f"faxgw: config error: {exc}", file=sys.stderr)
        return 78
    key = None
    if getattr(args, "number", None) is not None:
        key = destination_key(args.number, config.dialplan.country_code,
                              config.dialplan.national_prefix)
        if not key or any(c not in "+0123456789 -()." for c in args.number):
            print(f"faxgw: not a phone number: {args.number!r}", file=sys.stderr)
            return 2

    async def run():
        config.state_dir.mkdir(parents=True, exist_ok=True)
        store = await Store.open(config.state_dir)
        try:
            return await action(store, key)
        finally:
            await store.close()
    return asyncio.run(run())


def cmd_list(args) -> int:
    from faxgw.store.destinations import destination_object

    async def action(store, _key):
        found, after = [], ""
        while page := await store.destinations(after, 500):
            found += page
            after = page[-1].number
        print(json.dumps([destination_object(d) for d in found], indent=2))
        return 0
    return _run(args, action)


def cmd_show(args) -> int:
    from faxgw.store.destinations import destination_object

    async def action(store, key):
        found = await store.destination(key)
        if found is None:
            print(f"faxgw: nothing is known about {key} yet", file=sys.stderr)
            return 1
        print(json.dumps(destination_object(found), indent=2))
        return 0
    return _run(args, action)


def cmd_set(args) -> int:
    from faxgw.store import Destination
    from faxgw.store.destinations import destination_object

    csi = args.pinned_csi
    if csi is not None and csi != "none" and not (0 < len(csi.strip()) <= MAX_CSI
                                                  and csi.strip().isascii()
                                                  and csi.strip().isprintable()):
        print(f"faxgw: --pinned-csi must be 1 to {MAX_CSI} printable ASCII characters",
              file=sys.stderr)
        return 2

    async def action(store, key):
        d = await store.destination(key) or Destination(number=key)
        if args.start_bit_rate is not None:
            d = replace(d, start_bit_rate=None if args.start_bit_rate == "none"
                        else int(args.start_bit_rate))
        if args.ecm is not None:
            d = replace(d, ecm=args.ecm == "on")
        if csi is not None:
            d = replace(d, pinned_csi=None if csi == "none" else csi.strip())
        if args.lock or args.unlock:
            d = replace(d, locked=args.lock)
        print(json.dumps(destination_object(await store.save_destination(d)), indent=2))
        return 0
    return _run(args, action)
