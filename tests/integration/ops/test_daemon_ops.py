"""The operations side of the real daemon: sd_notify over a real AF_UNIX datagram
socket, /health, /metrics (parsed by prometheus_client's own parser) and /modems, against
`python -m faxgw serve` with the built-in hw-sim bank or a modem that cannot be opened."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).parents[3]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "hw-sim")])}
ADMIN_KEY = "fgwadm_test-admin-key"
ADMIN_SHA = hashlib.sha256(ADMIN_KEY.encode()).hexdigest()
FAX_MACHINE = "+15550100"  # the built-in bank's fax machine (faxgw/scheduler/simbank.py)
# The smallest PDF the renderer accepts: one blank Letter page.
PDF = (b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def write_config(root: Path, extra: str = "", server: str = "") -> Path:
    config = root / "faxgw.toml"
    config.write_text(f'[server]\nlisten = "127.0.0.1:0"\nadmin_key_sha256 = "{ADMIN_SHA}"\n'
                      f'{server}[storage]\nstate_dir = "{root / "state"}"\n'
                      '[scheduler]\npoll_interval_s = 0.1\nsimulated_modems = 1\n' + extra)
    return config


def start(config: Path, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "faxgw", "serve", "--config", str(config)],
                            stdout=subprocess.PIPE,
                            stderr=open(config.parent / "daemon.stderr", "ab"),
                            cwd=ROOT, env={**ENV, **(env or {})})
    ready, _, _ = select.select([proc.stdout], [], [], 90)
    line = proc.stdout.readline().decode() if ready else ""
    if "listening on " not in line:
        proc.kill()
        raise RuntimeError(f"no start: {line!r}: {(config.parent / 'daemon.stderr').read_text()}")
    return proc, line.split("listening on ", 1)[1].strip()


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(120)


def tenant_key(config: Path) -> str:
    out = subprocess.run([sys.executable, "-m", "faxgw", "tenant", "create", "ops",
                          "--config", str(config)], capture_output=True, text=True, env=ENV,
                         cwd=ROOT, check=True)
    return json.loads(out.stdout)["apiKey"]


async def new_tenant_key(config: Path) -> str:
    """A tenant made in this process on the daemon's store (what `faxgw tenant create` does,
    without the second of a Python start-up)."""
    from faxgw import config as configuration
    from faxgw.store import Store

    store = await Store.open(configuration.load(config).state_dir)
    try:
        return (await store.create_tenant("ops"))[1]
    finally:
        await store.close()


async def send_and_wait_for_the_call(http: aiohttp.ClientSession, url: str, key: str,
                                     number: str, document: bytes) -> str:
    """POST a fax and return its faxId once its call is being placed (bounded by the
    test's timeout)."""
    auth = {"Authorization": f"Bearer {key}"}
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("phoneNumber", number)
    form.add_field("document", document, filename="a.pdf", content_type="application/pdf")
    async with http.post(url + "/fax", data=form, headers=auth) as r:
        assert r.status == 201, await r.text()
        fax_id = (await r.json())["faxId"]
    while True:
        async with http.get(f"{url}/fax/{fax_id}", headers=auth) as r:
            if (await r.json())["faxStatus"] == "FaxAttemptInitiated":
                return fax_id
        await asyncio.sleep(0.05)


def datagrams(sock: socket.socket) -> list[dict[str, str]]:
    """Every message waiting on the notify socket, each as its KEY=value fields."""
    out = []
    while True:
        try:
            data = sock.recv(4096)
        except BlockingIOError:
            return out
        out.append(dict(line.split("=", 1) for line in data.decode().split("\n") if line))


def wait_message(sock: socket.socket, key: str, seen: list[dict]) -> dict:
    """Block (bounded by the socket timeout) until a message with `key` arrives."""
    while True:
        sock.setblocking(True)
        data = sock.recv(4096)
        msg = dict(line.split("=", 1) for line in data.decode().split("\n") if line)
        seen.append(msg)
        if key in msg:
            return msg


def test_sd_notify_ready_status_watchdog_and_stopping(tmp_path):
    # A short directory: an AF_UNIX path is limited to 107 bytes, pytest's tmp_path is long.
    short = Path(tempfile.mkdtemp(prefix="fgw", dir="/tmp"))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(str(short / "notify"))
        sock.settimeout(90)  # a bound against a hang, not a timing claim
        proc, _ = start(write_config(tmp_path), {"NOTIFY_SOCKET": str(short / "notify"),
                                                 "WATCHDOG_USEC": "400000"})
        seen: list[dict] = []
        ready = wait_message(sock, "READY", seen)
        assert ready["READY"] == "1"
        # Both modems of the bank (one outgoing line, the answering fax machine) probed and
        # usable; the outgoing one may be "busy" for a moment while the dispatcher looks
        # for a due fax with it.
        match = re.fullmatch(r"modems: (.+); 0 queued", ready["STATUS"])
        assert match, ready
        counts = {s: int(n) for n, s in (part.split() for part in match.group(1).split(", "))}
        assert set(counts) <= {"idle", "busy"} and sum(counts.values()) == 2, ready
        assert wait_message(sock, "WATCHDOG", seen)["WATCHDOG"] == "1"
        proc.send_signal(signal.SIGTERM)
        assert wait_message(sock, "STOPPING", seen)["STOPPING"] == "1"
        assert proc.wait(120) == 0
        # READY came once, before anything else but watchdog pings and status lines.
        assert [m for m in seen if "READY" in m] == [ready]
    finally:
        sock.close()
        shutil.rmtree(short)


def test_without_notify_socket_the_daemon_runs_as_before(tmp_path):
    proc, url = start(write_config(tmp_path))
    assert stop(proc) == 0


async def test_health_is_unready_while_no_modem_is_usable(tmp_path):
    config = write_config(tmp_path, '[[modem]]\nname = "gone"\nport = "/dev/faxgw-no-such-modem"\n'
                                    'profile = "hwsim-class1"\n')
    proc, url = start(config)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(url + "/health") as r:
                body = await r.json()
                assert r.status == 503, body
                assert body["live"] is True and body["ready"] is False
                assert "no usable modem" in body["reason"] and "gone offline" in body["reason"]
            async with http.get(url + "/modems",
                                headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as r:
                [modem] = (await r.json())["modems"]
                assert modem["name"] == "gone" and modem["state"] == "offline"
                assert "probe failed" in modem["lastError"]
    finally:
        assert stop(proc) == 0


async def test_health_is_ready_without_scheduler(tmp_path):
    config = write_config(tmp_path)
    config.write_text(config.read_text().replace("[scheduler]\n", "[scheduler]\nenabled = false\n"))
    proc, url = start(config)
    try:
        async with aiohttp.ClientSession() as http, http.get(url + "/health") as r:
            body = await r.json()
            assert r.status == 200 and {k: body[k] for k in ("live", "ready", "reason", "degraded")} == {
                "live": True, "ready": True, "reason": None, "degraded": False}
            assert body["storage"]["freeBytes"] > body["storage"]["reserveBytes"]
    finally:
        assert stop(proc) == 0


def attempts(text: str) -> dict[str, float]:
    [family] = [f for f in text_string_to_metric_families(text) if f.name == "faxgw_attempts"]
    return {s.labels["outcome"]: s.value for s in family.samples if s.name.endswith("_total")}


@pytest.mark.timeout(180)
async def test_metrics_and_modems_move_when_a_fax_is_sent(tmp_path):
    config = write_config(tmp_path, '[logging]\nformat = "json"\n')
    key = tenant_key(config)
    proc, url = start(config)
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(url + "/health") as r:
                assert r.status == 200 and (await r.json())["ready"] is True
            # Admin only: no key, a tenant's key and a wrong key are all refused.
            for headers in ({}, {"Authorization": f"Bearer {key}"},
                            {"Authorization": "Bearer fgwadm_wrong"}):
                for path in ("/metrics", "/modems"):
                    async with http.get(url + path, headers=headers) as r:
                        assert r.status == 401, (path, headers)
            async with http.get(url + "/metrics", headers=admin) as r:
                assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
                before = await r.text()
            assert attempts(before)["success"] == 0
            form = aiohttp.FormData(default_to_multipart=True)
            form.add_field("phoneNumber", FAX_MACHINE)
            form.add_field("document", PDF, filename="a.pdf", content_type="application/pdf")
            async with http.post(url + "/fax", data=form,
                                 headers={"Authorization": f"Bearer {key}"}) as r:
                assert r.status == 201, await r.text()
                fax_id = (await r.json())["faxId"]
            while True:  # bounded by the test's timeout
                async with http.get(f"{url}/fax/{fax_id}",
                                    headers={"Authorization": f"Bearer {key}"}) as r:
                    status = (await r.json())["faxStatus"]
                if status in ("FaxSent", "FaxFailed"):
                    break
                await asyncio.sleep(0.2)
            assert status == "FaxSent"
            # The dispatcher marks the idle modem busy for the moment of each claim query
            # (every poll_interval_s), so a scrape may catch it "busy" with no call; the
            # modem must come back to idle, which a later scrape shows (bounded by the
            # test's timeout).
            while True:
                async with http.get(url + "/metrics", headers=admin) as r:
                    after = await r.text()
                families = {f.name: f for f in text_string_to_metric_families(after)}
                states = {(s.labels["modem"], s.labels["state"]): s.value
                          for s in families["faxgw_modem_state"].samples}
                if states.get(("sim-out-1", "idle")) == 1:
                    break
                await asyncio.sleep(0.05)
            assert attempts(after)["success"] == 1
            calls = {s.name: s.value for s in families["faxgw_call_duration_seconds"].samples}
            assert calls["faxgw_call_duration_seconds_count"] == 1
            pages = {s.name: s.value for s in families["faxgw_page_duration_seconds"].samples}
            assert pages["faxgw_page_duration_seconds_count"] == 1  # the one-page PDF
            assert 0 < pages["faxgw_page_duration_seconds_sum"] < calls[
                "faxgw_call_duration_seconds_sum"]
            faxes = {s.labels["status"]: s.value for s in families["faxgw_faxes"].samples}
            # Every status is reported, at 0 when no fax is in it (a gauge must fall to 0).
            assert {status for status, n in faxes.items() if n} == {"FaxSent"}
            assert faxes["FaxSent"] == 1 and faxes["FaxReceived"] == 0 and len(faxes) == 9
            assert families["faxgw_queue_depth"].samples[0].value == 0
            assert "faxgw_webhook_backlog" in families
            while True:  # idle again (see above), bounded by the test's timeout
                async with http.get(url + "/modems", headers=admin) as r:
                    modems = {m["name"]: m for m in (await r.json())["modems"]}
                if modems["sim-out-1"]["state"] == "idle":
                    break
                await asyncio.sleep(0.05)
            # The bank: one outgoing line, and the fax machine faxgw answers as (receive only).
            modem = modems["sim-out-1"]
            assert modem["class"] == "1" and modem["state"] == "idle" and modem["send"]
            assert modem["counters"]["calls"] == 1 and modem["counters"]["succeeded"] == 1
    finally:
        assert stop(proc) == 0
    # [logging] format = "json": one JSON object per line, the call's lines carry its ids.
    lines = [json.loads(line) for line in
             (tmp_path / "daemon.stderr").read_text().splitlines() if line.startswith("{")]
    call = [e for e in lines if e["message"].startswith(f"attempt 1 of fax {fax_id}")]
    assert call and all(e["faxId"] == fax_id and e["modem"] == "sim-out-1" and e["attemptId"]
                        for e in call), call


async def test_metrics_public_needs_no_key(tmp_path):
    config = write_config(tmp_path, server="metrics_public = true\n")
    config.write_text(config.read_text().replace("[scheduler]\n", "[scheduler]\nenabled = false\n"))
    proc, url = start(config)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(url + "/metrics") as r:
                assert r.status == 200
                names = {f.name for f in text_string_to_metric_families(await r.text())}
                assert {"faxgw_attempts", "faxgw_queue_depth", "faxgw_faxes"} <= names
            async with http.get(url + "/modems") as r:
                assert r.status == 401  # metrics_public opens /metrics only
    finally:
        assert stop(proc) == 0


@pytest.mark.parametrize("toml, key", [
    ('[logging]\nformat = "xml"\n', "logging.format"),
    ('[logging]\nlevel = "LOUD"\n', "logging.level"),
    ('[server]\nadmin_key_sha256 = "secret"\n', "server.admin_key_sha256"),
    ('[server]\nmetrics_public = "yes"\n', "server.metrics_public"),
])
def test_bad_ops_config_is_refused_with_ex_config_naming_the_key(tmp_path, toml, key):
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    out = subprocess.run([sys.executable, "-m", "faxgw", "serve", "--config", str(config)],
                         capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=60)
    assert out.returncode == 78 and key in out.stderr, out.stderr


def test_admin_key_command_prints_a_key_and_its_hash():
    out = subprocess.run([sys.executable, "-m", "faxgw", "admin-key"], capture_output=True,
                         text=True, env=ENV, cwd=ROOT, check=True)
    key = out.stdout.split("admin key (shown once): ", 1)[1].split()[0]
    digest = hashlib.sha256(key.encode()).hexdigest()
    assert f'admin_key_sha256 = "{digest}"' in out.stdout
