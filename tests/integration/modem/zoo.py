"""Calls across the modem zoo: two hw-sim modems playing one ``drivers/`` family, driven by
``faxgw modem send`` and ``faxgw modem receive`` as a technician would run them.

hw-sim always plays the family's own profile (its identity, capabilities and quirks);
faxgw may be given another copy of it (``faxgw_profile_dir``), e.g. one with a quirk taken
out, to show that the call fails when faxgw ignores that quirk.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from faxgw.modem.profiles import DRIVERS_DIR, load_all
from hwsim import ModemBank

# Families without an identity of their own are played by hw-sim's stock modem of their
# class; faxgw is told the generic profile by name (a generic profile matches no one).
GENERIC_PLAYERS = {"generic-class1": "hwsim-class1", "generic-class2": "hwsim-class2",
                   "generic-class20": "hwsim-class20"}
FAMILIES = sorted(p.name for p in load_all([DRIVERS_DIR]) if not p.name.startswith("hwsim-"))


@dataclass
class CallOutcome:
    sent: dict
    got: dict
    sender_log: str
    receiver_log: str

    @property
    def success(self) -> bool:
        return bool(self.sent.get("success")) and bool(self.got.get("success"))

    def explain(self) -> str:
        return (f"sent: {json.dumps(self.sent)[:1500]}\nreceived: {json.dumps(self.got)[:1500]}"
                f"\nsender stderr: {self.sender_log[-1500:]}\nreceiver stderr: {self.receiver_log[-1500:]}")


def hwsim_profile(family: str) -> Path:
    return DRIVERS_DIR / f"{GENERIC_PLAYERS.get(family, family)}.toml"


def without_quirk(family: str, quirk: str, directory: Path) -> Path:
    """A copy of ``family``'s profile in ``directory`` with ``quirk`` (and its source) out."""
    text = (DRIVERS_DIR / f"{family}.toml").read_text()
    pattern = re.compile(rf"^{re.escape(quirk)}\s*=.*\n", re.MULTILINE)
    assert len(pattern.findall(text)) == 2, f"{family} does not name {quirk} and its source"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{family}.toml").write_text(pattern.sub("", text))
    return directory


def _faxgw(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "faxgw", "modem", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _json(out: str) -> dict:
    try:
        return json.loads(out)
    except json.JSONDecodeError:
        return {"unreadable_output": out[-1500:]}


def zoo_call(tmp_path: Path, family: str, *, ecm: bool, timing: str = "accelerated",
             faxgw_profile_dir: Path | None = None, hwsim_path: Path | None = None) -> CallOutcome:
    """One page from a ``family`` modem to another of the same family."""
    page = tmp_path / "page.png"
    Image.new("1", (1728, 300), 255).save(page, dpi=(204, 196))
    flags = ["--profile", family] if family in GENERIC_PLAYERS or faxgw_profile_dir else []
    if faxgw_profile_dir is not None:
        flags += ["--drivers", str(faxgw_profile_dir)]
    if not ecm:
        flags.append("--no-ecm")
    with ModemBank(timing=timing) as bank:
        profile = hwsim_path or hwsim_profile(family)
        a, b = bank.add_modem("1001", profile=profile), bank.add_modem("1002", profile=profile)
        receiver = _faxgw("receive", "--device", b.device, *flags,
                          "--output", str(tmp_path / "in"), "--ring-timeout", "90")
        time.sleep(2.0)
        sender = _faxgw("send", "--device", a.device, *flags, "1002", str(page))
        try:
            sent_out, sent_err = sender.communicate(timeout=150)
            got_out, got_err = receiver.communicate(timeout=90)
        finally:
            for proc in (sender, receiver):
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
    return CallOutcome(_json(sent_out), _json(got_out), sent_err, got_err)
