"""``faxgw demo``: the built-in hw-sim bank (what a config without [[modem]] gets), a fax
to the documented number, FaxSent, and the fax machine's PDF on disk."""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time

import aiohttp
import pypdfium2

from faxgw.scheduler.simbank import FAX_MACHINE_E164

from .gateway import ROOT, Client, make_pdf


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_demo_sends_to_the_simulated_fax_machine_within_a_minute(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # hw-sim found beside faxgw, as in a checkout
    proc = subprocess.Popen(
        [sys.executable, "-m", "faxgw", "demo", "--state-dir", str(tmp_path / "state"),
         "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=open(tmp_path / "demo.stderr", "wb"), cwd=tmp_path,
        env=env)
    try:
        banner = _read_until(proc, "listening on", 60)
        key = re.search(r"API key of tenant 'demo': (\S+)", banner).group(1)
        assert f"phoneNumber={FAX_MACHINE_E164}" in banner
        async with aiohttp.ClientSession() as http:
            client = Client(http, f"http://127.0.0.1:{port}", key)
            started = time.monotonic()
            fax = await client.send(FAX_MACHINE_E164, make_pdf(2, seed=9))
            done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=60)
            assert done["faxStatus"] == "FaxSent" and time.monotonic() - started < 60
            # The demo's receiving line routes to the demo tenant: the newcomer sees the
            # fax the simulated machine printed through the API, as the banner says.
            assert "/received/search" in banner
            auth = {"Authorization": f"Bearer {key}"}
            base = f"http://127.0.0.1:{port}"
            listed = []
            for _ in range(100):  # listed from its first page; whole once the call ends
                async with http.post(base + "/received/search", json={}, headers=auth) as r:
                    assert r.status == 200, await r.text()
                    listed = (await r.json())["receivedFaxes"]
                if listed and listed[0]["status"] != "receiving":
                    break
                await asyncio.sleep(0.1)
            [received] = listed
            assert received["status"] == "received" and received["pageCount"] == 2
            async with http.get(f"{base}/received/{received['receivedId']}/pdf", headers=auth) as r:
                assert r.status == 200 and (await r.read()).startswith(b"%PDF")
        records = []
        for _ in range(50):
            records = [json.loads(p.read_text())
                       for p in (tmp_path / "state" / "received").glob("*/fax.json")]
            if records:
                break
            time.sleep(0.1)
        [record] = records
        assert record["complete"] and record["pages"] == 2
        assert record["remoteIdent"].startswith("+1 555010")  # the sending line's number
        pdf = pypdfium2.PdfDocument(tmp_path / "state" / "received" / record["receivedId"] / "fax.pdf")
        assert len(pdf) == 2
        width, height = pdf[0].get_size()
        assert abs(width / 72 * 25.4 - 215) < 2 and 280 < height / 72 * 25.4 < 370
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def _read_until(proc: subprocess.Popen, marker: str, timeout: float) -> str:
    text, deadline = "", time.monotonic() + timeout
    while marker not in text and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1)
        if ready:
            line = proc.stdout.readline().decode()
            if not line:
                break
            text += line
    assert marker in text, text
    return text
