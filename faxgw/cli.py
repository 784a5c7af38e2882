"""The `faxgw` command: one argparse tree, each command group owned by its own module.

A module in COMMAND_MODULES exposes ``register(subparsers)``; it adds its sub-commands and
sets ``func`` (taking the parsed namespace, returning an exit status) on each of them.
Keeping the groups in their own modules lets the codec, documents and modem layers ship
their commands without this file knowing about them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = (
    "faxgw.server_cli",  # serve, demo, tenant
    "faxgw.g3.cli",  # g3 encode / decode
    "faxgw.documents.cli",  # convert
    "faxgw.modem.cli",  # modem probe / send / receive
    "faxgw.client_cli",  # send, status, modems: through the running daemon's API
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="faxgw", description="faxgw fax gateway")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # Only a group that is not built yet (the module or its package missing) is
            # skipped; a broken import inside it is not.
            if exc.name != name and not name.startswith(f"{exc.name}."):
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
