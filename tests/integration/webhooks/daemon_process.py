"""The daemon as its own process (``python -m faxgw serve``), as an installed faxgw runs."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def write_config(tmp_path: Path) -> Path:
    """Port 0, short retries, no scheduler: the events are exactly the ones a test makes."""
    config = tmp_path / "faxgw.toml"
    config.write_text(
        f'[server]\nlisten = "127.0.0.1:0"\n'
        f'[storage]\nstate_dir = "{tmp_path / "state"}"\n'
        "[webhooks]\nbackoff_base_s = 0.05\nbackoff_max_step_s = 0.3\ntotal_timeout_s = 2.0\n"
        "concurrency = 16\nper_endpoint_concurrency = 8\n"
        # The test receivers run on this box, which the URL policy refuses by default.
        'allow_own_ports = ["1-65535"]\n'
        # Nothing dials: the events are exactly the ones the test makes.
        "[scheduler]\nenabled = false\n"
    )
    return config


def faxgw_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "faxgw", *args]


def environment() -> dict:
    # As an installed faxgw would find them (pip install -e . puts both on the path).
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "hw-sim")])}


async def start_daemon(config: Path) -> tuple[subprocess.Popen, str]:
    # Its own process group: the kill takes the daemon's helper processes (document
    # rendering pool) down with it, as a power cut would, and leaves nothing running.
    proc = subprocess.Popen(faxgw_command("serve", "--config", str(config)), cwd=ROOT, env=environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    line = await asyncio.to_thread(proc.stdout.readline)
    proc.stdout.close()  # the one line is all we need; helpers must not keep a pipe alive
    assert line.startswith(b"faxgw listening on "), line
    return proc, line.decode().split()[-1]


async def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        await asyncio.to_thread(proc.wait)
