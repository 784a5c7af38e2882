"""A daemon that dies hard must not leave its render processes behind.

Regression: ProcessPoolExecutor workers never notice their parent's death, and they keep
the fork server alive; every SIGKILLed daemon left its workers, its fork server and its
stdout pipe behind (found when a SIGKILL test hung waiting for that pipe to close).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

OWNER = """
import os, sys
from faxgw.documents.pool import RenderPool
pool = RenderPool(workers=2)
pool.warm_up()
workers = pool._executor.submit(os.getppid).result()  # the fork server is the workers' parent
pids = [p.pid for p in pool._executor._processes.values()]
print(" ".join(map(str, pids + [workers])), flush=True)
sys.stdin.read()  # until the test kills us
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose (its parent has not reaped it yet).
    status = Path(f"/proc/{pid}/status").read_text() if Path(f"/proc/{pid}").exists() else ""
    return "State:\tZ" not in status and status != ""


def test_workers_and_fork_server_exit_when_the_owner_is_killed():
    owner = subprocess.Popen([sys.executable, "-c", OWNER], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        pids = [int(p) for p in owner.stdout.readline().split()]
        assert len(pids) == 3 and all(alive(p) for p in pids), pids
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        deadline = time.monotonic() + 10
        while any(alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p for p in pids if alive(p)] == []
    finally:
        if owner.poll() is None:
            owner.kill()
