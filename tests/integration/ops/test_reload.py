"""SIGHUP against the real daemon: a modem added to the config becomes usable without a
restart, and a broken config is refused while the daemon keeps running on the old one."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import tempfile
from pathlib import Path

import aiohttp
import pytest
from hwsim import ModemBank

from .test_daemon_ops import (ADMIN_KEY, PDF, send_and_wait_for_the_call, start, stop, tenant_key,
                              wait_message, write_config)


def modem_table(info, send: bool) -> str:
    return (f'[[modem]]\nname = "{info.name}"\nport = "{info.device}"\n'
            f'profile = "hwsim-class1"\nsend = {"true" if send else "false"}\n'
            f'receive = {"false" if send else "true"}\n')


async def modems(http, url) -> dict[str, dict]:
    async with http.get(url + "/modems", headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as r:
        assert r.status == 200
        return {m["name"]: m for m in (await r.json())["modems"]}


@pytest.mark.timeout(180)
async def test_sighup_adds_a_modem_and_a_broken_config_changes_nothing(tmp_path):
    short = Path(tempfile.mkdtemp(prefix="fgw", dir="/tmp"))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(short / "notify"))
    sock.settimeout(90)  # a bound against a hang
    seen: list[dict] = []
    with ModemBank(timing="accelerated") as bank:
        out1, in1 = bank.add_modem("3301", name="out1"), bank.add_modem("4700", name="in1")
        config = write_config(tmp_path, modem_table(in1, send=False))
        good = config.read_text()
        key = tenant_key(config)
        proc, url = start(config, {"NOTIFY_SOCKET": str(short / "notify")})
        try:
            wait_message(sock, "READY", seen)
            async with aiohttp.ClientSession() as http:
                assert set(await modems(http, url)) == {"in1"}

                # A broken config on SIGHUP: refused, the daemon runs on as it was.
                config.write_text(good + '[logging]\nformat = "xml"\n')
                proc.send_signal(signal.SIGHUP)
                wait_message(sock, "RELOADING", seen)
                wait_message(sock, "READY", seen)
                assert proc.poll() is None
                assert set(await modems(http, url)) == {"in1"}

                config.write_text(good + modem_table(out1, send=True))
                proc.send_signal(signal.SIGHUP)
                wait_message(sock, "RELOADING", seen)
                ready = wait_message(sock, "READY", seen)
                assert "offline" not in ready["STATUS"], ready
                now = await modems(http, url)
                assert set(now) == {"in1", "out1"} and now["out1"]["state"] in ("idle", "busy")

                auth = {"Authorization": f"Bearer {key}"}
                form = aiohttp.FormData(default_to_multipart=True)
                form.add_field("phoneNumber", "4700")
                form.add_field("document", PDF, filename="a.pdf", content_type="application/pdf")
                async with http.post(url + "/fax", data=form, headers=auth) as r:
                    assert r.status == 201, await r.text()
                    fax_id = (await r.json())["faxId"]
                while True:  # bounded by the test's timeout
                    async with http.get(f"{url}/fax/{fax_id}", headers=auth) as r:
                        status = (await r.json())["faxStatus"]
                    if status in ("FaxSent", "FaxFailed"):
                        break
                    await asyncio.sleep(0.2)
                assert status == "FaxSent"
                async with http.get(f"{url}/fax/{fax_id}/attempts", headers=auth) as r:
                    assert [a["modem"] for a in (await r.json())["attempts"]] == ["out1"]
        finally:
            assert stop(proc) == 0
            sock.close()
            shutil.rmtree(short)
    log = (tmp_path / "daemon.stderr").read_text()
    assert "reload refused, the running config stays: logging.format" in log


@pytest.mark.timeout(180)
async def test_sighup_removing_a_modem_in_a_call_lets_the_call_finish(tmp_path):
    from .test_stop import pdf

    short = Path(tempfile.mkdtemp(prefix="fgw", dir="/tmp"))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(short / "notify"))
    sock.settimeout(90)  # a bound against a hang
    seen: list[dict] = []
    with ModemBank(timing="accelerated") as bank:
        out1, in1 = bank.add_modem("3501", name="out1"), bank.add_modem("4900", name="in1")
        config = write_config(tmp_path, modem_table(in1, send=False))
        without_out1 = config.read_text()
        config.write_text(without_out1 + modem_table(out1, send=True))
        key = tenant_key(config)
        proc, url = start(config, {"NOTIFY_SOCKET": str(short / "notify")})
        try:
            wait_message(sock, "READY", seen)
            auth = {"Authorization": f"Bearer {key}"}
            async with aiohttp.ClientSession() as http:
                fax_id = await send_and_wait_for_the_call(http, url, key, "4900", pdf(6))
                config.write_text(without_out1)
                proc.send_signal(signal.SIGHUP)
                wait_message(sock, "RELOADING", seen)
                wait_message(sock, "READY", seen)
                while True:
                    async with http.get(f"{url}/fax/{fax_id}", headers=auth) as r:
                        status = (await r.json())["faxStatus"]
                    if status in ("FaxSent", "FaxFailed", "FaxRetryAttempted"):
                        break
                    await asyncio.sleep(0.2)
                assert status == "FaxSent"
                while "out1" in await modems(http, url):  # closed once its call released it
                    await asyncio.sleep(0.1)
        finally:
            assert stop(proc) == 0
            sock.close()
            shutil.rmtree(short)
    log = (tmp_path / "daemon.stderr").read_text()
    # The reload came during the call (else this test would prove nothing).
    assert "modem out1: left the config; closed after its call" in log, log[-3000:]
