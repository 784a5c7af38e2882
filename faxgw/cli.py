"""The `faxgw` command: one argparse tree, each command group owned by its own module.

A module in COMMAND_MODULES exposes ``register(subparsers)``; it adds its sub-commands and
sets ``func`` (taking the parsed namespace, returning an exit status) on each of them.
Keeping the groups in their own modules lets the codec, documents and modem layers ship
their commands without this file knowing about them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

COMMAND_MODULES = (
    "faxgw.server_cli",  # serve, demo, tenant, admin-key
    "faxgw.g3.cli",  # g3 encode / decode
    "faxgw.documents.cli",  # convert
    "faxgw.modem.cli",  # modem probe / send / receive
    "faxgw.client_cli",  # send, status, modems: through the running daemon's API
    "faxgw.destinations_cli",  # destinations list / show / set
)
# Which module owns a command, so that `faxgw status` imports the small HTTP client only:
# the codec and documents modules pull in numba and numpy, a second of start-up a person
# waits for at every command. `--help` and unknown words still load every group.
COMMAND_OWNERS = {
    "serve": "faxgw.server_cli", "demo": "faxgw.server_cli", "tenant": "faxgw.server_cli",
    "admin-key": "faxgw.server_cli", "g3": "faxgw.g3.cli", "convert": "faxgw.documents.cli",
    "modem": "faxgw.modem.cli", "send": "faxgw.client_cli", "status": "faxgw.client_cli",
    "modems": "faxgw.client_cli", "destinations": "faxgw.destinations_cli",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every group, or, given a known command word, of its group alone."""
    parser = argparse.ArgumentParser(prog="faxgw", description="faxgw fax gateway")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    owner = COMMAND_OWNERS.get(command or "")
    for name in (owner,) if owner else COMMAND_MODULES:
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
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at the interpreter's exit
        return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`faxgw status | head -1`): not an error of ours. Point stdout
        # at /dev/null so that the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a command killed by it


if __name__ == "__main__":
    sys.exit(main())
