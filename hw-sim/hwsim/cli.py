"""``faxgw-sim``: run a bank of simulated modems until interrupted.

    faxgw-sim --modems 4 [--config FILE] [--timing realtime|accelerated|FACTOR]
              [--log calls.jsonl] [--link-dir DIR]

prints one line per modem (name, number, device path, pty) and a JSON line per call to
the log file. The config file (TOML) may hold::

    [bank]
    timing = "realtime"
    log = "calls.jsonl"
    link_dir = "/run/hwsim"
    profile = "drivers/hwsim-class1.toml"
    seed = 0

    [[modem]]
    number = "1001"
    name = "fax-a"
    profile = "drivers/hwsim-class20.toml"   # a Class 2.0 modem (T.30 in its firmware)
    classes = "0,1,1.0,2.0"                  # optional: what +FCLASS=? offers

    [faults."1002"]          # any field of hwsim.Faults
    bit_error_rate = 0.0001
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import tomllib
from pathlib import Path

from .bank import ModemBank
from .faults import Faults


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="faxgw-sim", description=__doc__.split("\n")[0])
    parser.add_argument("--modems", type=int, default=None,
                        help="number of modems (default: those in the config, else 2)")
    parser.add_argument("--config", type=Path, help="TOML file: [bank], [[modem]], [faults.N]")
    parser.add_argument("--timing", help="realtime, accelerated or a scale factor")
    parser.add_argument("--log", type=Path, help="JSON Lines call log")
    parser.add_argument("--link-dir", type=Path, help="where the device symlinks go")
    parser.add_argument("--first-number", type=int, default=1001)
    return parser


def build_bank(args: argparse.Namespace) -> ModemBank:
    config = tomllib.loads(args.config.read_text()) if args.config else {}
    bank_cfg = config.get("bank", {})
    bank = ModemBank(timing=args.timing or bank_cfg.get("timing", "realtime"),
                     profile=bank_cfg.get("profile"),
                     log_path=args.log or bank_cfg.get("log"),
                     link_dir=args.link_dir or bank_cfg.get("link_dir"),
                     seed=int(bank_cfg.get("seed", 0)))
    modems = list(config.get("modem", []))
    count = args.modems if args.modems is not None else max(len(modems), 2)
    if count < 1:
        raise SystemExit("faxgw-sim: --modems must be at least 1")
    bank.start()
    for index in range(count):
        entry = modems[index] if index < len(modems) else {}
        bank.add_modem(str(entry.get("number", args.first_number + index)),
                       entry.get("name"), entry.get("profile"), entry.get("classes"))
    for number, fields in config.get("faults", {}).items():
        bank.set_faults(str(number), Faults(**fields))
    return bank


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    bank = build_bank(args)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        print(f"hw-sim: {bank.timing.name} timing, log {bank.log.path or '-'}", flush=True)
        for info in bank.modems():
            print(f"{info.name} {info.number} {info.device} {info.pty}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        bank.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
