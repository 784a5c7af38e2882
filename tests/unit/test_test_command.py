"""The README's test command is one command, the one .ci/run runs; on a machine without the
system packages and without a way to install them, it names each one missing and stops."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMAND_PACKAGES = ["efax", "libtiff-tools", "ghostscript", "systemd", "pkg-config", "gcc",
                    "libspandsp-dev"]


def readme_test_command() -> str:
    text = (ROOT / "README.md").read_text()
    after = text[text.index("Run the tests"):]
    return re.search(r"^    (\S.*)$", after, re.M).group(1).strip()


def test_the_readme_test_command_is_one_command_and_ci_runs_it():
    command = readme_test_command()
    assert command == "./tests/run", command
    assert (ROOT / "tests" / "run").stat().st_mode & 0o111, "tests/run is not executable"
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.lstrip().startswith("#")]
    assert any(line in (command, f"exec {command} \"$@\"", f"{command} \"$@\"") for line in ci), ci
    # The same command, not a second list of packages or a pip line of its own to drift.
    assert not [line for line in ci if "apt-get" in line or "pip install" in line], ci


def test_without_the_tools_it_names_each_missing_package_and_stops(tmp_path):
    # A PATH with none of the tools: apt-get is not found either, so nothing can install.
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "run"), "--check"],
                          env={"PATH": str(tmp_path), "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    listed = re.findall(r"^  (\S+) ", done.stderr, re.M)
    assert set(COMMAND_PACKAGES) <= set(listed), done.stderr
    install = re.search(r"apt-get install -y --no-install-recommends (.*)$", done.stderr, re.M)
    assert install and set(COMMAND_PACKAGES) <= set(install.group(1).split()), done.stderr

    done = subprocess.run([sys.executable, str(ROOT / "tests" / "run")],
                          env={"PATH": str(tmp_path), "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "cannot install them" in done.stderr, done.stderr
    assert "passed" not in done.stdout  # it stopped before pytest


def test_with_the_packages_skipped_it_runs_pytest_with_the_arguments_given():
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "run"), "--no-system",
                           "--no-install", "-q", "-n", "0", "-p", "no:cacheprovider",
                           "tests/unit/test_lifecycle.py"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert re.search(r"\d+ passed", done.stdout), done.stdout[-2000:]
