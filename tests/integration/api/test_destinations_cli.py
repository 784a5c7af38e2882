"""``faxgw destinations`` on a real state directory: set and lock, show, list; bad input
gets a clear message and a non-zero status, and changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[3]


def faxgw(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "faxgw", "destinations", *args,
                           "--config", str(config)], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)


def test_set_lock_show_and_list(tmp_path):
    config = tmp_path / "faxgw.toml"
    config.write_text(f'[storage]\nstate_dir = "{tmp_path / "state"}"\n'
                      '[dialplan]\ncountry_code = "49"\nnational_prefix = "0"\n')
    done = faxgw(config, "set", "030 1234", "--start-bit-rate", "9600", "--ecm", "off",
                 "--pinned-csi", "+49 30 1234", "--lock")
    assert done.returncode == 0, done.stderr
    shown = json.loads(faxgw(config, "show", "+49 30 1234").stdout)
    assert shown["number"] == "49301234" and shown["locked"] is True
    assert shown["next"] == {"startBitRate": 9600, "ecm": False, "pinnedCsi": "+49 30 1234"}
    assert faxgw(config, "set", "+49301234", "--unlock", "--start-bit-rate", "none").returncode == 0
    listed = json.loads(faxgw(config, "list").stdout)
    assert [(d["number"], d["locked"], d["next"]["startBitRate"]) for d in listed] == \
        [("49301234", False, None)]
    bad = faxgw(config, "set", "not-a-number", "--lock")
    assert bad.returncode == 2 and "not a phone number" in bad.stderr
    bad = faxgw(config, "set", "+49301234", "--pinned-csi", "x" * 21)
    assert bad.returncode == 2 and "--pinned-csi" in bad.stderr
    unknown = faxgw(config, "show", "+1 555")
    assert unknown.returncode == 1 and "nothing is known" in unknown.stderr
    assert len(json.loads(faxgw(config, "list").stdout)) == 1
