"""A daemon killed with SIGKILL leaves no process behind: not one of its worker pools.

Regression: the render pool's workers, and later the scheduler's page-coding pool's,
outlived a SIGKILLed daemon (ProcessPoolExecutor workers never notice the owner's death and
keep the fork server alive); on a box that is restarted by systemd after a crash, or in a
test run, they piled up and held the dead daemon's stdout. This test covers every pool the
daemon has or will have: it kills the real daemon and looks at all its descendants.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigkilled_daemon_leaves_no_worker_processes(tmp_path):
    config = tmp_path / "faxgw.toml"
    # No [[modem]]: the built-in simulated bank, so the scheduler starts its pools too.
    config.write_text(f'[server]\nlisten = "127.0.0.1:0"\n[storage]\nstate_dir = "{tmp_path / "state"}"\n')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "hw-sim")])}
    with open(tmp_path / "daemon.stderr", "wb") as stderr:
        daemon = subprocess.Popen([sys.executable, "-m", "faxgw", "serve", "--config", str(config)],
                                  stdout=subprocess.PIPE, stderr=stderr, cwd=ROOT, env=env)
    try:
        assert b"listening on " in daemon.stdout.readline()
        # The pools start in the background: wait until the process tree stops growing.
        seen, stable_since, deadline = set(), time.monotonic(), time.monotonic() + 90
        while time.monotonic() - stable_since < 3 and time.monotonic() < deadline:
            now = descendants(daemon.pid)
            if now != seen:
                seen, stable_since = now, time.monotonic()
            time.sleep(0.2)
        assert len(seen) >= 3, f"expected a fork server and pool workers, found {seen}"
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(10)
        deadline = time.monotonic() + 15
        while any(running(p) for p in seen) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [p for p in seen if running(p)] == []
    finally:
        if daemon.poll() is None:
            daemon.kill()
