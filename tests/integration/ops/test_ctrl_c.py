"""Ctrl-C in the terminal that runs ``faxgw demo``, during a call: the terminal sends SIGINT
to the whole foreground process group (the daemon, its fork server and every worker). The
daemon stops as on SIGTERM, its workers do not die of it, nothing prints a traceback, and
the fax is not failed: after a restart it ends FaxSent."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import aiohttp
import pytest

from faxgw.scheduler.simbank import FAX_MACHINE_E164

from ..scheduler.gateway import ROOT, Client, make_pdf
from ..scheduler.test_demo import _read_until, free_port


def _demo(tmp_path, port: int, run: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # A session of its own: the test plays the terminal and signals the whole group.
    return subprocess.Popen(
        [sys.executable, "-m", "faxgw", "demo", "--state-dir", str(tmp_path / "state"),
         "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=open(tmp_path / f"demo{run}.stderr", "wb"),
        cwd=tmp_path, env=env, start_new_session=True)


async def _wait_for_page_one(client: Client, fax_id: str, timeout: float) -> None:
    import asyncio

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        attempts = await client.attempts(fax_id)
        if attempts and attempts[-1].get("pagesConfirmed"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"page 1 was not confirmed within {timeout} s: {attempts}")


@pytest.mark.timeout(300)
async def test_ctrl_c_during_a_call_stops_cleanly_and_the_fax_is_sent_after_restart(tmp_path):
    port = free_port()
    proc = _demo(tmp_path, port, 1)
    try:
        banner = _read_until(proc, "listening on", 90)
        key = re.search(r"API key of tenant 'demo': (\S+)", banner).group(1)
        async with aiohttp.ClientSession() as http:
            client = Client(http, f"http://127.0.0.1:{port}", key)
            fax = await client.send(FAX_MACHINE_E164, make_pdf(6, seed=3))
            await _wait_for_page_one(client, fax["faxId"], 90)
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        assert proc.wait(150) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    time.sleep(0.5)  # workers print their tracebacks, if any, as they die
    first = (tmp_path / "demo1.stderr").read_text(errors="replace")
    assert "Traceback" not in first and "KeyboardInterrupt" not in first, first[-4000:]

    proc = _demo(tmp_path, port, 2)
    try:
        _read_until(proc, "listening on", 90)
        async with aiohttp.ClientSession() as http:
            client = Client(http, f"http://127.0.0.1:{port}", key)
            done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=120)
            attempts = await client.attempts(fax["faxId"])
        assert done["faxStatus"] == "FaxSent", (done, attempts)
        assert "document_error" not in [a.get("outcome") for a in attempts], attempts
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
