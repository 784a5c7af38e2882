"""Durability across SIGKILL, and the daemon's commands (serve, tenant create/list, bad config)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import aiohttp
import pytest

from tests.integration.api.conftest import PDF  # a real one-page PDF: submit reads documents

ROOT = __import__("pathlib").Path(__file__).parents[3]


def faxgw(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "faxgw", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


@pytest.fixture
def fresh(tmp_path, daemon_class):
    d = daemon_class(tmp_path)
    yield d
    d.stop()


async def test_sigkill_right_after_201_loses_nothing(fresh):
    created = faxgw("tenant", "create", "clinic", "--config", str(fresh.config))
    key = json.loads(created.stdout)["apiKey"]
    fresh.start()
    auth = {"Authorization": f"Bearer {key}"}
    docs = [PDF.replace(b"\n", b"\n%" + b"x" * 10240 + b"\n", 1), b"Page two as text\n"]
    form = aiohttp.FormData()
    form.add_field("phoneNumber", "+4930123456")
    form.add_field("metadata", '{"ref": "A-1"}')
    for i, doc in enumerate(docs):
        form.add_field("document", doc, filename=f"d{i}")
    async with aiohttp.ClientSession() as http:
        async with http.post(fresh.url + "/fax", data=form, headers=auth) as r:
            assert r.status == 201
            fax = await r.json()
    fresh.kill()  # no clean shutdown: nothing after the 201 may be needed for durability

    fresh.start()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{fresh.url}/fax/{fax['faxId']}", headers=auth) as r:
            assert r.status == 200 and await r.json() == fax
        async with http.post(fresh.url + "/fax/search", headers=auth,
                             json={"faxId": fax["faxId"], "showFaxStatusChangeHistory": True}) as r:
            [found] = (await r.json())["faxes"]
    assert [h["faxStatus"] for h in found["statusHistory"]] == ["FaxReceived"]
    folder = fresh.state_dir / "faxes" / fax["faxId"]
    stored = [(folder / "1.pdf").read_bytes(), (folder / "2.txt").read_bytes()]
    assert [hashlib.sha256(d).digest() for d in stored] == [hashlib.sha256(d).digest() for d in docs]


async def test_restart_drops_half_done_uploads_and_uncommitted_folders(fresh):
    created = faxgw("tenant", "create", "clinic", "--config", str(fresh.config))
    key = json.loads(created.stdout)["apiKey"]
    fresh.start()
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("phoneNumber", "+4930123456")
    form.add_field("document", PDF, filename="a.pdf")
    async with aiohttp.ClientSession() as http:
        async with http.post(fresh.url + "/fax", data=form, headers={"Authorization": f"Bearer {key}"}) as r:
            kept = (await r.json())["faxId"]
    fresh.kill()
    # What a crash mid-request leaves: a staged upload, and a folder whose row never committed.
    (fresh.state_dir / "tmp" / "deadbeef-1").write_bytes(b"%PDF half")
    orphan = fresh.state_dir / "faxes" / "11111111-1111-4111-8111-111111111111"
    orphan.mkdir()
    (orphan / "1.pdf").write_bytes(b"%PDF never committed")
    fresh.start()
    assert list((fresh.state_dir / "tmp").iterdir()) == []
    assert not orphan.exists()
    assert (fresh.state_dir / "faxes" / kept / "1.pdf").read_bytes() == PDF


def test_tenant_create_prints_json_and_list_shows_it(tmp_path, daemon_class):
    d = daemon_class(tmp_path)
    out = faxgw("tenant", "create", "Praxis Nord", "--config", str(d.config))
    assert out.returncode == 0, out.stderr
    made = json.loads(out.stdout)
    assert set(made) == {"tenantId", "apiKey"} and made["apiKey"].startswith("fgw_")
    listed = json.loads(faxgw("tenant", "list", "--config", str(d.config)).stdout)
    assert [(t["tenantId"], t["name"]) for t in listed] == [(made["tenantId"], "Praxis Nord")]
    assert made["apiKey"] not in (d.state_dir / "faxgw.sqlite3").read_bytes().decode("latin-1")


@pytest.mark.parametrize("toml, key", [
    ('[server]\nlisten = "localhost"\n', "server.listen"),
    ('[server]\nlisten = 8025\n', "server.listen"),
    ('[storage]\nstate-dir = "/tmp/x"\n', "storage.state-dir"),
    ('[limits]\nmax_upload_bytes = -1\n', "limits.max_upload_bytes"),
    ('[retry]\nmax_automatic_retries = "five"\n', "retry.max_automatic_retries"),
    ('[[modem]]\nname = "m0"\n', "modem[0].port"),
    ('[servr]\n', "servr"),
    ('[server\n', "not valid TOML"),
])
def test_bad_config_is_refused_naming_the_key(tmp_path, toml, key):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(toml)
    out = faxgw("serve", "--config", str(cfg))
    # 78 (EX_CONFIG): the unit's RestartPreventExitStatus=78 keeps systemd from restarting it.
    assert out.returncode == 78 and key in out.stderr, out.stderr


def test_sigterm_stops_the_daemon_cleanly(fresh):
    fresh.start()
    fresh.proc.send_signal(__import__("signal").SIGTERM)
    assert fresh.proc.wait(15) == 0
