"""The systemd files in systemd/, checked by systemd's own tools.

`systemd-analyze verify` loads the unit the way PID 1 would; `systemd-analyze security
--offline=yes` rates its sandbox. Both run against a throwaway root directory that holds
the unit, the systemd units it depends on, and a stand-in for the console script, so the
check does not depend on faxgw being installed on this machine. The tools come from the
Debian package `systemd` (.ci/run installs it); without them these tests fail.
"""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SYSTEMD_DIR = REPO / "systemd"
UNIT = SYSTEMD_DIR / "faxgw.service"
HWSIM_DROPIN = SYSTEMD_DIR / "faxgw-hwsim.conf"
MAX_EXPOSURE = 2.0
HOST_UNIT_DIR = Path("/usr/lib/systemd/system")


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: install the Debian package 'systemd' (see .ci/run)")
    return path


def unit_settings(text: str) -> dict[str, list[str]]:
    """Key -> every value it is given, in order (systemd keys may repeat)."""
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def executables() -> list[str]:
    """The absolute paths that ExecStart=/ExecReload= run (verify checks they exist)."""
    settings = unit_settings(UNIT.read_text())
    return [settings[key][0].split()[0] for key in ("ExecStart", "ExecReload")]


@pytest.fixture
def unit_root(tmp_path: Path) -> Path:
    """A file system root holding the installed unit and what verify looks up."""
    root = tmp_path / "root"
    shutil.copytree(HOST_UNIT_DIR, root / HOST_UNIT_DIR.relative_to("/"), symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(UNIT, root / "etc/systemd/system/faxgw.service")
    # Stand-ins for the programs the unit runs: this machine need not have faxgw in
    # /opt/faxgw, nor procps' kill(1).
    for program in executables():
        stand_in = root / program.lstrip("/")
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text("#!/bin/sh\n")
        stand_in.chmod(0o755)
    return root


def add_hwsim_dropin(root: Path) -> None:
    dropin_dir = root / "etc/systemd/system/faxgw.service.d"
    dropin_dir.mkdir()
    shutil.copy(HWSIM_DROPIN, dropin_dir / "hwsim.conf")


def verify(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [require_tool("systemd-analyze"), "verify", f"--root={root}", "faxgw.service"],
        capture_output=True, text=True, timeout=60,
    )


def exposure(root: Path) -> float:
    done = subprocess.run(
        [require_tool("systemd-analyze"), "security", "--offline=yes", f"--root={root}",
         "--no-pager", "faxgw.service"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    match = re.search(r"Overall exposure level for faxgw\.service: (\d+\.\d+)", done.stdout)
    assert match, f"no exposure line in:\n{done.stdout}\n{done.stderr}"
    failing = [line for line in done.stdout.splitlines() if line.startswith("✗")]
    print("\n".join(failing))
    print(match.group(0))
    return float(match.group(1))


def test_verify_reports_nothing(unit_root):
    done = verify(unit_root)
    # verify exits 0 on warnings such as an unknown key, so any output is a failure too.
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), (
        f"systemd-analyze verify complained:\n{done.stdout}{done.stderr}"
    )


def test_verify_notices_a_broken_unit(unit_root):
    """The check above can fail: a misspelt directive is reported."""
    unit = unit_root / "etc/systemd/system/faxgw.service"
    unit.write_text(unit.read_text().replace("ProtectHome=yes", "ProtectHomes=yes"))
    done = verify(unit_root)
    assert "ProtectHomes" in done.stdout + done.stderr


def test_security_exposure_is_at_most_2(unit_root):
    assert exposure(unit_root) <= MAX_EXPOSURE


def test_exposure_notices_a_weak_sandbox(unit_root):
    """The check above can fail: the same unit without its sandbox section rates badly."""
    unit = unit_root / "etc/systemd/system/faxgw.service"
    text = unit.read_text()
    head, _, tail = text.partition("# --- Sandboxing")
    unit.write_text(head + "[Install]" + tail.partition("[Install]")[2])
    assert exposure(unit_root) > MAX_EXPOSURE


def test_hwsim_dropin_verifies_and_keeps_exposure(unit_root):
    add_hwsim_dropin(unit_root)
    done = verify(unit_root)
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), done.stderr
    assert exposure(unit_root) <= MAX_EXPOSURE


def test_serial_ports_only_without_dropin():
    """Production unit: tty device classes only, never pseudo-terminals or block devices."""
    settings = unit_settings(UNIT.read_text())
    assert settings["DevicePolicy"] == ["closed"]
    allowed = {value.split()[0] for value in settings["DeviceAllow"]}
    assert allowed == {"char-ttyS", "char-ttyUSB", "char-ttyACM"}
    assert "dialout" in settings["SupplementaryGroups"]


def test_readme_quotes_the_score_systemd_gives(unit_root):
    """systemd/README.md tells administrators the rating; keep it the real one."""
    readme = (SYSTEMD_DIR / "README.md").read_text()
    quoted = re.search(r"rates the unit \*\*(\d+\.\d)\*\*", readme)
    assert quoted, "README no longer quotes the rating"
    assert float(quoted.group(1)) == exposure(unit_root)
