"""The real faxgw app on a loopback port with a real SQLite file, and a small API client."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Callable

import aiohttp
from aiohttp import web

from faxgw.api.keys import SERVICES
from faxgw.config import from_dict
from faxgw.daemon import running_app as started_app
from faxgw.store import Store

# Short retries so that tests see many attempts in little time.
FAST_RETRIES = {
    "backoff_base_s": 0.05,
    "backoff_max_step_s": 0.3,
    "connect_timeout_s": 1.0,
    "total_timeout_s": 2.0,
    "outbox_poll_s": 0.2,
    # The test receivers run on this box, which the URL policy refuses by default.
    "allow_own_ports": ["1-65535"],
}


@dataclass
class Api:
    base: str
    key: str
    http: aiohttp.ClientSession

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.key}"}

    async def call(self, method: str, path: str, expect: int = 200, **kwargs) -> dict:
        async with self.http.request(method, self.base + path, headers=self._headers(), **kwargs) as resp:
            body = await resp.json()
            assert resp.status == expect, (method, path, resp.status, body)
            return body

    async def create_endpoint(self, url: str, events: list[str] | None = None) -> dict:
        payload = {"url": url} if events is None else {"url": url, "events": events}
        return await self.call("POST", "/fax/webhook/endpoints", 201, json=payload)

    async def send_fax(self, number: str = "+15550100") -> dict:
        form = aiohttp.FormData()
        form.add_field("phoneNumber", number)
        form.add_field("document", b"Referral letter\n", filename="letter.txt", content_type="text/plain")
        return await self.call("POST", "/fax", 201, data=form)

    async def hold(self, fax_id: str) -> dict:
        return await self.call("PUT", f"/fax/{fax_id}/hold")

    async def revive(self, fax_id: str) -> dict:
        return await self.call("PUT", f"/fax/{fax_id}/revive")

    async def get_fax(self, fax_id: str) -> dict:
        return await self.call("GET", f"/fax/{fax_id}")


@dataclass
class RunningApp:
    app: web.Application
    base: str
    http: aiohttp.ClientSession

    @property
    def store(self) -> Store:
        return self.app[SERVICES].store

    async def tenant(self, name: str) -> Api:
        _, key = await self.store.create_tenant(name)
        return Api(self.base, key, self.http)


@asynccontextmanager
async def running_app(
    state_dir: Path, webhooks: dict | None = None, port: int = 0
) -> AsyncIterator[RunningApp]:
    config = from_dict({
        "server": {"listen": f"127.0.0.1:{port}"},
        "storage": {"state_dir": str(state_dir)},
        "webhooks": {**FAST_RETRIES, **(webhooks or {})},
    })
    async with started_app(config) as app:
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        port = runner.addresses[0][1]
        app[SERVICES].webhook_worker.add_own_ports((port,))  # as faxgw.daemon.serve does
        try:
            async with aiohttp.ClientSession() as http:
                yield RunningApp(app, f"http://127.0.0.1:{port}", http)
        finally:
            await runner.cleanup()


async def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        await asyncio.sleep(0.02)
