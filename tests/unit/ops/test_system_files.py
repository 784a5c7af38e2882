"""sysusers.d, tmpfiles.d and the udev example, applied by systemd's own tools to a
throwaway root directory, and kept consistent with the unit."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SYSTEMD_DIR = REPO / "systemd"


def run_tool(name: str, *args: str) -> subprocess.CompletedProcess:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: install the Debian package 'systemd' (see .ci/run)")
    done = subprocess.run([path, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{name} {args} failed:\n{done.stdout}{done.stderr}"
    return done


def unit_value(key: str) -> str:
    for line in (SYSTEMD_DIR / "faxgw.service").read_text().splitlines():
        if line.startswith(f"{key}="):
            return line.partition("=")[2].strip()
    raise AssertionError(f"{key}= not in faxgw.service")


def db_entry(root: Path, db: str, name: str) -> list[str]:
    for line in (root / "etc" / db).read_text().splitlines():
        fields = line.split(":")
        if fields[0] == name:
            return fields
    raise AssertionError(f"{name} not in {db}")


@pytest.fixture
def sysroot(tmp_path: Path) -> Path:
    """An empty system with faxgw's sysusers.d and tmpfiles.d files installed."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    for kind, source in (("sysusers.d", "faxgw.sysusers"), ("tmpfiles.d", "faxgw.tmpfiles")):
        (root / "usr/lib" / kind).mkdir(parents=True)
        shutil.copy(SYSTEMD_DIR / source, root / "usr/lib" / kind / "faxgw.conf")
    run_tool("systemd-sysusers", f"--root={root}")
    return root


def test_sysusers_creates_a_locked_system_user_in_dialout(sysroot):
    user = db_entry(sysroot, "passwd", unit_value("User"))
    uid, gid, home, shell = int(user[2]), int(user[3]), user[5], user[6]
    assert uid < 1000, "a system user, below the first login uid"
    assert home == "/var/lib/" + unit_value("StateDirectory")
    assert shell.endswith("nologin")
    assert db_entry(sysroot, "group", unit_value("Group"))[2] == str(gid)
    dialout_members = db_entry(sysroot, "group", "dialout")[3].split(",")
    assert unit_value("User") in dialout_members
    assert db_entry(sysroot, "shadow", unit_value("User"))[1].startswith("!"), "no password"


@pytest.mark.skipif(os.geteuid() != 0, reason="systemd-tmpfiles needs root to chown")
def test_tmpfiles_creates_private_state_and_config(sysroot):
    config = sysroot / "etc/faxgw/faxgw.toml"
    config.parent.mkdir()
    config.write_text("[server]\n")
    config.chmod(0o644)  # as an administrator's editor might leave it
    run_tool("systemd-tmpfiles", f"--root={sysroot}", "--create")
    faxgw = db_entry(sysroot, "passwd", "faxgw")
    uid, gid = int(faxgw[2]), int(faxgw[3])

    state = (sysroot / "var/lib" / unit_value("StateDirectory")).stat()
    assert (state.st_uid, state.st_gid, state.st_mode & 0o7777) == (
        uid, gid, int(unit_value("StateDirectoryMode"), 8))
    conf_dir = (sysroot / "etc" / unit_value("ConfigurationDirectory")).stat()
    assert (conf_dir.st_uid, conf_dir.st_gid, conf_dir.st_mode & 0o7777) == (
        0, gid, int(unit_value("ConfigurationDirectoryMode"), 8))
    conf = config.stat()
    assert (conf.st_uid, conf.st_gid, conf.st_mode & 0o7777) == (0, gid, 0o640)


# udev(7): KEY, optional {attribute}, operator, "value". Without udevadm verify (systemd
# 254+; Debian 12 has 252) this is the syntax check we can run: every assignment is made
# of keys udev knows, and the rule names the device and gives it to dialout.
UDEV_PAIR = re.compile(r'\s*([A-Z_]+)(\{[^}]+\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*')
UDEV_KEYS = {"SUBSYSTEM", "SUBSYSTEMS", "KERNEL", "KERNELS", "ATTRS", "ATTR", "ENV",
             "SYMLINK", "GROUP", "MODE", "OWNER", "TAG", "ACTION", "DRIVERS"}


def udev_rules() -> list[list[tuple[str, str, str, str]]]:
    rules = []
    for line in (SYSTEMD_DIR / "99-faxgw-modem.rules").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pairs = [UDEV_PAIR.fullmatch(part) for part in line.split(",")]
        assert all(pairs), f"not KEY op \"value\" pairs: {line}"
        rules.append([m.groups() for m in pairs])
    return rules


def test_udev_rule_names_the_modem_and_gives_it_to_dialout():
    rules = udev_rules()
    assert rules
    for rule in rules:
        assert {key for key, *_ in rule} <= UDEV_KEYS
        settings = {(key, attr or "", op): value for key, attr, op, value in rule}
        assert settings[("SUBSYSTEM", "", "==")] == "tty"
        assert re.fullmatch(r"faxmodem\d+", settings[("SYMLINK", "", "+=")])
        assert settings[("GROUP", "", "=")] == "dialout"
        assert settings[("MODE", "", "=")] == "0660"
        assert settings[("ENV", "{ID_MM_DEVICE_IGNORE}", "=")] == "1"
