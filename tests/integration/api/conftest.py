"""A real daemon (``python -m faxgw serve``) on a free loopback port with a real SQLite file.

Tests talk to it over HTTP. Where a test needs what only the scheduler will do (attempts),
it opens the same SQLite file with the store's own API, as a second process would.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from faxgw.store import Store

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")  # one blank A4 page: submit now really reads documents


class Daemon:
    def __init__(self, root: Path, extra_toml: str = ""):
        self.root = root
        self.state_dir = root / "state"
        self.config = root / "faxgw.toml"
        # The API alone: these tests write attempts themselves, and faxes must wait in the
        # queue instead of being dialled by the scheduler's built-in modem bank.
        self.config.write_text(
            f'[server]\nlisten = "127.0.0.1:0"\n[storage]\nstate_dir = "{self.state_dir}"\n{extra_toml}'
            + ("" if "[scheduler]" in extra_toml else "\n[scheduler]\nenabled = false\n")
        )
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> "Daemon":
        self.stderr = open(self.root / "daemon.stderr", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "faxgw", "serve", "--config", str(self.config)],
            stdout=subprocess.PIPE, stderr=self.stderr, cwd=Path(__file__).parents[3],
            start_new_session=True)  # its own process group: kill() takes its workers too
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        line = self.proc.stdout.readline().decode() if ready else ""
        if "listening on " not in line:
            self.stop()
            raise RuntimeError(f"daemon did not start: {line!r}; see {self.root / 'daemon.stderr'}")
        self.url = line.split("listening on ", 1)[1].strip()
        return self

    def kill(self) -> None:
        """SIGKILL to the daemon and its helper processes (the document workers), as a power
        cut or systemd's control-group kill would: nothing of it survives to tidy up."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.stderr.close()


@pytest.fixture(scope="session")
def daemon_class():
    """The Daemon class, for modules that need a daemon with their own config."""
    return Daemon


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    d = Daemon(tmp_path_factory.mktemp("daemon")).start()
    yield d
    d.stop()


@pytest.fixture
async def store(daemon):
    s = await Store.open(daemon.state_dir)
    yield s
    await s.close()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


class Client:
    """One tenant's view of the API."""

    def __init__(self, http: aiohttp.ClientSession, url: str, key: str, tenant_id: str):
        self.http, self.url, self.key, self.tenant_id = http, url, key, tenant_id

    def headers(self, **extra) -> dict:
        return {"Authorization": f"Bearer {self.key}", **extra}

    async def call(self, method: str, path: str, **kw) -> tuple[int, dict]:
        async with self.http.request(method, self.url + path, headers=self.headers(**kw.pop("headers", {})), **kw) as r:
            return r.status, await r.json()

    async def send(self, phone=None, docs=(PDF,), headers=None, **fields) -> tuple[int, dict]:
        # A fresh number by default: the claim never takes a number that is already in a call.
        phone = phone or f"+1555{random.randrange(10**7):07d}"
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("phoneNumber", phone)
        for name, value in fields.items():
            form.add_field(name, value)
        for i, doc in enumerate(docs):
            form.add_field("document", doc, filename=f"doc{i}.bin", content_type="application/octet-stream")
        return await self.call("POST", "/fax", data=form, headers=headers or {})

    async def search(self, **body) -> tuple[int, dict]:
        return await self.call("POST", "/fax/search", json=body)


@pytest.fixture
async def tenant(http, daemon, store):
    async def make(name="t") -> Client:
        tenant_id, key = await store.create_tenant(name)
        return Client(http, daemon.url, key, tenant_id)
    return make
