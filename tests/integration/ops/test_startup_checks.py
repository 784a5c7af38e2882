"""A demo or daemon that cannot start says why in one line, before a banner, a key or a
traceback: the port is taken, or another daemon uses the state directory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from ..scheduler.gateway import ROOT
from ..scheduler.test_demo import _read_until, free_port


def demo(tmp_path, port: int, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "faxgw", "demo", "--state-dir", str(tmp_path / "state"),
         "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=open(tmp_path / f"{name}.stderr", "wb"), cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)


def one_line_refusal(tmp_path, proc: subprocess.Popen, name: str) -> tuple[str, str]:
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 75
    err = (tmp_path / f"{name}.stderr").read_text()
    assert "Traceback" not in err, err
    assert "API key" not in out.decode() and "fgw_" not in out.decode(), out
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return out.decode(), lines[0]


@pytest.mark.timeout(120)
def test_demo_on_a_taken_port_says_so_and_mints_no_key(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _, line = one_line_refusal(tmp_path, demo(tmp_path, port, "taken"), "taken")
    assert f"127.0.0.1:{port} is in use" in line, line
    assert not (tmp_path / "state" / "demo-api-key").exists()


@pytest.mark.timeout(180)
def test_a_second_demo_on_the_same_state_dir_says_so_before_any_banner(tmp_path):
    first = demo(tmp_path, free_port(), "first")
    try:
        _read_until(first, "listening on", 90)
        key = (tmp_path / "state" / "demo-api-key").read_text()
        out, line = one_line_refusal(tmp_path, demo(tmp_path, free_port(), "second"), "second")
        assert out == "" and "state directory" in line, (out, line)
        assert (tmp_path / "state" / "demo-api-key").read_text() == key
    finally:
        os.killpg(first.pid, signal.SIGTERM)
        first.wait(60)
