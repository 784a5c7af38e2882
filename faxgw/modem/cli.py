"""``faxgw modem ...``: commands for technicians, independent of the daemon.

``probe`` and ``doctor`` are here; ``send`` and ``receive`` come from ``faxgw.modem.session_cli`` (the T.30
runner's module) when it exists, under the same ``modem`` group.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from pathlib import Path

from faxgw.modem.device import open_modem
from faxgw.modem.probe import usable_modulations
from faxgw.modem.profiles import ProfileError
from faxgw.t30.link import ModemFault

PROBE_TIMEOUT_S = 60.0  # the whole probe; each command has its own, shorter timeout


def register(subparsers: argparse._SubParsersAction) -> None:
    modem = subparsers.add_parser("modem", help="drive a fax modem directly (probe, send, receive)")
    modem_commands = modem.add_subparsers(dest="modem_command", metavar="MODEM_COMMAND")
    probe = modem_commands.add_parser("probe", help="show what a modem is and which profile fits it")
    probe.add_argument("--device", required=True, help="serial port, e.g. /dev/ttyACM0 or a hw-sim pty")
    probe.add_argument("--profile", help="use this profile instead of matching one")
    probe.add_argument("--drivers", type=Path, action="append", default=[],
                       help="extra directory of profiles (searched before drivers/)")
    probe.set_defaults(func=run_probe)
    doctor = modem_commands.add_parser(
        "doctor", help="examine a modem without dialling and write a transcript for a bug report")
    doctor.add_argument("--device", required=True, help="serial port, e.g. /dev/ttyACM0 or a hw-sim pty")
    doctor.add_argument("--transcript", type=Path,
                        help="write every line exchanged here (default: doctor-<device>.txt)")
    doctor.add_argument("--profile", help="examine as this profile instead of matching one")
    doctor.add_argument("--drivers", type=Path, action="append", default=[],
                        help="extra directory of profiles (searched before drivers/)")
    doctor.set_defaults(func=run_doctor)
    try:
        session_cli = importlib.import_module("faxgw.modem.session_cli")
    except ModuleNotFoundError as exc:
        if exc.name != "faxgw.modem.session_cli":
            raise
    else:
        session_cli.register(modem_commands)


def run_probe(args: argparse.Namespace) -> int:
    try:
        report = asyncio.run(probe_report(args.device, args.profile, args.drivers))
    except (ModemFault, ProfileError) as exc:
        print(json.dumps({"device": args.device, "error": str(exc)}, indent=2))
        return 1
    print(json.dumps(report, indent=2))
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    from faxgw.modem.doctor import examine, transcript
    from faxgw.modem.profiles import profile_dirs

    async def run():
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            return await examine(args.device, profile_dirs(args.drivers), args.profile)

    try:
        exam = asyncio.run(run())
    except (ModemFault, ProfileError, OSError, TimeoutError) as exc:
        print(f"{args.device}: {exc or type(exc).__name__}", file=sys.stderr)
        return 1
    text = transcript(exam)
    path = args.transcript or Path(f"doctor-{Path(args.device).name}.txt")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(text)
        print(f"could not write the transcript to {path}: {exc}", file=sys.stderr)
        return 1
    print(text.split("## exchange", 1)[0] + f"transcript: {path}")
    return 0 if exam.info is not None and exam.info.classes else 1


async def probe_report(device: str, profile: str | None, drivers: list[Path]) -> dict:
    from faxgw.modem.profiles import profile_dirs

    async with asyncio.timeout(PROBE_TIMEOUT_S):
        async with open_modem(device, profile, dirs=profile_dirs(drivers)) as modem:
            assert modem.info is not None
            return {
                "device": device,
                "modem": modem.info.to_json(),
                "profile": {"name": modem.profile.name, "matched_by": modem.matched_by,
                            "description": modem.profile.description,
                            "revision": modem.profile.revision,
                            "file": str(modem.profile.path) if modem.profile.path else None},
                "class": modem.fclass,
                "class1_modulations": usable_modulations(modem.info, modem.profile),
            }


if __name__ == "__main__":
    from faxgw.cli import main

    sys.exit(main(["modem", *sys.argv[1:]]))
