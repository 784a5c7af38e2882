"""A real webhook receiver on a loopback port, written as a tenant would write one.

It verifies every request with faxgw.webhooks.signing.verify (the README's documented
check), drops duplicates by event id, and can be told to misbehave: answer 500, hang,
redirect, stream an endless body, or stop listening altogether.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field

from aiohttp import web

from faxgw.webhooks import signing


@dataclass
class Arrival:
    event_id: str
    fax_id: str
    sequence: int
    type: str
    received_at: float
    envelope: dict


@dataclass
class Receiver:
    secrets: list[str]
    tolerance_s: float = 300
    mode: str = "ok"  # ok | fail | hang | redirect | stream
    redirect_to: str = ""
    clock_offset_s: float = 0.0  # to act as a receiver whose clock is ahead (replay tests)
    max_latency_s: float = 0.0  # "ok" answers after a random pause up to this: shuffles arrivals
    accepted: list[Arrival] = field(default_factory=list)  # first delivery of each event
    duplicates: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # reasons signatures failed
    requests: int = 0
    wire: list[tuple[bytes, str]] = field(default_factory=list)  # (body, signature header) as received
    streamed_bytes: int = 0
    port: int = 0
    _runner: web.AppRunner | None = None
    _seen: set = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self, port: int | None = None) -> "Receiver":
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        app.router.add_post("/elsewhere", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port if port is None else port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Stop listening: from now on connections to the port are refused."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def verify(self, body: bytes, header: str) -> None:
        now = time.time() + self.clock_offset_s
        signing.verify(body, header, self.secrets, self.tolerance_s, now=now)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        body = await request.read()
        header = request.headers.get(signing.HEADER, "")
        self.wire.append((body, header))
        try:
            self.verify(body, header)
        except signing.SignatureError as exc:
            self.rejected.append(f"{type(exc).__name__}: {exc}")
            return web.json_response({"error": str(exc)}, status=400)
        if self.mode == "fail":
            return web.Response(status=500, text="receiver broken")
        if self.mode == "hang":
            await asyncio.sleep(3600)
        if self.mode == "redirect":
            raise web.HTTPTemporaryRedirect(self.redirect_to)
        if self.mode == "stream":
            return await self._stream_forever(request)
        if self.max_latency_s:
            await asyncio.sleep(random.uniform(0, self.max_latency_s))
        self._record(json.loads(body))
        return web.Response(status=204)

    def _record(self, envelope: dict) -> None:
        if envelope["id"] in self._seen:
            self.duplicates.append(envelope["id"])
            return
        self._seen.add(envelope["id"])
        self.accepted.append(
            Arrival(
                envelope["id"],
                envelope["subject"],
                envelope["faxsequence"],
                envelope["type"],
                time.time(),
                envelope,
            )
        )

    async def _stream_forever(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=500)
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            for _ in range(16384):  # 1 GiB at most: bounded even if nobody hangs up
                await response.write(chunk)
                self.streamed_bytes += len(chunk)
        except ConnectionError:
            pass  # the client hung up: what we want to see
        return response

    def sequences_by_fax(self) -> dict[str, list[int]]:
        result: dict[str, list[int]] = {}
        for arrival in self.accepted:
            result.setdefault(arrival.fax_id, []).append(arrival.sequence)
        return result
