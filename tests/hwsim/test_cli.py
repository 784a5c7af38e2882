"""The faxgw-sim command: modems on ptys, faults from the config, the JSON call log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from .dte import Dte

ROOT = Path(__file__).resolve().parents[2]


def test_cli_prints_devices_and_logs_calls(tmp_path):
    config = tmp_path / "sim.toml"
    config.write_text('[bank]\ntiming = "accelerated"\n\n[[modem]]\nnumber = "5001"\n'
                      'name = "fax-a"\n\n[faults."5002"]\nbusy = true\n')
    log = tmp_path / "calls.jsonl"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "hw-sim"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "hwsim", "--modems", "2", "--config", str(config),
         "--log", str(log), "--link-dir", str(tmp_path / "dev"), "--first-number", "5001"],
        stdout=subprocess.PIPE, text=True, env=env)
    try:
        header = proc.stdout.readline()
        assert "accelerated" in header
        lines = [proc.stdout.readline().split() for _ in range(2)]
        assert [line[:2] for line in lines] == [["fax-a", "5001"], ["modem1", "5002"]]
        assert lines[0][2] == str(tmp_path / "dev" / "fax-a")
        assert os.path.realpath(lines[0][2]) == lines[0][3]
        with Dte(lines[0][2]) as dte:
            assert dte.at("D5002", timeout=10).endswith(b"BUSY\r\n")
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
        proc.stdout.close()
    record = json.loads(log.read_text().splitlines()[0])
    assert record["result"] == "busy" and record["dialed"] == "5002"
    assert not (tmp_path / "dev" / "fax-a").exists()
