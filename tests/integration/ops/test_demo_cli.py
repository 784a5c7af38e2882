"""The demo's banner gives the CLI lines, admin key included: pasted into another terminal,
`faxgw modems` and `faxgw status` work against the demo as they are."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys

import pytest

from ..scheduler.gateway import ROOT
from ..scheduler.test_demo import _read_until, free_port


@pytest.mark.timeout(180)
def test_the_banner_export_line_is_enough_for_modems_and_status(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("FAXGW_URL", "FAXGW_API_KEY", "FAXGW_ADMIN_KEY", "FAXGW_CONFIG"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "faxgw", "demo", "--state-dir", str(tmp_path / "state"),
         "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=open(tmp_path / "demo.stderr", "wb"), cwd=tmp_path,
        env=env, start_new_session=True)
    try:
        banner = _read_until(proc, "listening on", 90)
        export = re.search(r"^\s*export (.*)$", banner, re.M)
        assert export, banner
        cli_env = dict(env, **dict(item.split("=", 1) for item in shlex.split(export.group(1))))
        for command in (["modems"], ["status"]):
            done = subprocess.run([sys.executable, "-m", "faxgw", *command], env=cli_env,
                                  capture_output=True, text=True, timeout=60, cwd=tmp_path)
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            assert f"faxgw {command[0]}" in banner
        assert "sim-out-1" in subprocess.run(
            [sys.executable, "-m", "faxgw", "modems"], env=cli_env, capture_output=True,
            text=True, timeout=60).stdout
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
