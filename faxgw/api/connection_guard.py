"""Connection limits aiohttp does not have: caps on open connections (in total and per client
address) and deadlines for reading a request's head and its body.

aiohttp closes a connection that sends nothing within its keep-alive timeout, but a request
head trickled a byte at a time is only bounded by that same long timer, and a body trickled
slowly is never bounded at all; every such connection holds a descriptor, and when the
descriptors run out nobody is served. So each connection's protocol is wrapped:

* over a cap, the connection is answered at once with a 503 and closed, before aiohttp
  builds anything for it;
* a head (request line and headers) must arrive within ``header_timeout_s`` of the
  connection opening or of the first byte after the previous request's body: else 408 and
  close;
* a body must arrive within ``body_timeout_s`` of its head: else the request's reader fails
  with a 408 (the handler cleans up as for any bad request) and the connection is closed.

One sweep a second checks every connection, instead of a timer per connection.

The wrapper reads private attributes of aiohttp's RequestHandler (``_request_count``,
``_messages``, ``_current_request``, ``_lingering_time``) to learn when a head has been
parsed, which body reader belongs to it and whether its handler still runs;
tests/integration/api/test_edges_slow_clients.py fails if a new aiohttp moves them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
from collections import Counter
from dataclasses import dataclass

from aiohttp import web

from faxgw.api.errors import ApiError

log = logging.getLogger(__name__)

# Descriptors kept out of the connection cap: the SQLite file and its WAL, the modems'
# serial ports, document worker pipes, webhook deliveries, staged uploads, the journal.
RESERVED_DESCRIPTORS = 256
# How many descriptors the daemon asks for when its soft limit is lower (the hard limit
# permitting): room for the default connection cap plus the reserve.
WANTED_DESCRIPTORS = 8192
SWEEP_S = 1.0
# A connection whose body expired gets this long to deliver its 408, then it is cut.
EXPIRED_GRACE_S = 2.0


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int
    max_connections_per_client: int
    header_timeout_s: float
    body_timeout_s: float


def raise_descriptor_limit(wanted: int = WANTED_DESCRIPTORS) -> int:
    """Raise the soft RLIMIT_NOFILE towards `wanted` (never above the hard limit); the soft
    limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def connection_cap(configured: int, descriptor_limit: int) -> int:
    """The total cap in force: the configured one, lowered to leave the reserve free."""
    return max(1, min(configured, descriptor_limit - RESERVED_DESCRIPTORS))


class RequestTimeout(ApiError):
    def __init__(self, seconds: float):
        super().__init__(408, "request_timeout",
                         f"The request body did not arrive within {seconds:g} s.", timeoutSeconds=seconds)


def _raw_response(status: int, reason: str, code: str, message: str, retry_after: int | None = None) -> bytes:
    body = json.dumps({"code": code, "message": message}).encode()
    head = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json",
            f"Content-Length: {len(body)}", "Connection: close"]
    if retry_after is not None:
        head.append(f"Retry-After: {retry_after}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


_BUSY = _raw_response(503, "Service Unavailable", "too_many_connections",
                      "Too many open connections; try again shortly.", retry_after=1)
_HEAD_TIMEOUT = _raw_response(408, "Request Timeout", "request_timeout",
                              "The request line and headers did not arrive in time.")

_HEAD, _BODY, _DONE, _EXPIRED = "head", "body", "done", "expired"


class _GuardedConnection(asyncio.Protocol):
    """One connection: aiohttp's protocol inside, with the guard's clock around it."""

    def __init__(self, guard: "ConnectionGuard"):
        self._guard = guard
        self.inner = None
        self.transport: asyncio.Transport | None = None
        self.client = ""
        self.state = _HEAD
        self.since = 0.0
        self._payload = None
        self._heads = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.client = peer[0] if isinstance(peer, tuple) else str(peer)
        if not self._guard.admit(self):
            # Answer, then half-close: closing with the client's request unread would make
            # the kernel send a RST that can destroy the 503 before the client reads it.
            # The client closes on our FIN; if it does not, the socket is cut shortly after.
            transport.write(_BUSY)
            if transport.can_write_eof():
                transport.write_eof()
            self._guard.cut_later(transport)
            return
        self.since = self._guard.now()
        self.inner = self._guard.server()
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.inner is None:
            return
        if self.state == _DONE or (self.state == _BODY and self._payload.is_eof()):
            self.state, self.since = _HEAD, self._guard.now()
        self.inner.data_received(data)
        heads = getattr(self.inner, "_request_count", 0)
        if heads != self._heads:
            self._heads = heads
            messages = getattr(self.inner, "_messages", ())
            self._payload = messages[-1][1] if messages else None
            self.state, self.since = _BODY, self._guard.now()
        if self.state == _BODY and (self._payload is None or self._payload.is_eof()):
            self.state = _DONE

    def eof_received(self):
        if self.inner is None:
            self.transport.close()
            return None
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        if self.inner is not None:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.inner is not None:
            self.inner.resume_writing()

    def connection_lost(self, exc) -> None:
        if self.inner is not None:
            self._guard.release(self)
            self.inner.connection_lost(exc)

    def check(self, now: float) -> None:
        """Called by the sweep: enforce the deadline of the state the connection is in."""
        limits = self._guard.limits
        if self.state == _BODY and (self._payload is None or self._payload.is_eof()):
            self.state = _DONE
        if self.state == _HEAD and now - self.since > limits.header_timeout_s:
            self.transport.write(_HEAD_TIMEOUT)
            self.transport.close()
        elif self.state == _BODY and now - self.since > limits.body_timeout_s:
            self.state, self.since = _EXPIRED, now
            if getattr(self.inner, "_current_request", None) is None:
                # Answered already (say a 401) and aiohttp is reading the rest to drop it.
                self.transport.abort()
                return
            # No lingering read of the rest after the 408 (aiohttp would read it for 10 s
            # and log our exception as unhandled): the connection closes after the answer.
            if hasattr(self.inner, "_lingering_time"):
                self.inner._lingering_time = 0.0
            self._payload.set_exception(RequestTimeout(limits.body_timeout_s))
        elif self.state == _EXPIRED and now - self.since > EXPIRED_GRACE_S:
            self.transport.abort()


class ConnectionGuard:
    """The caps and deadlines of every connection to one aiohttp server."""

    def __init__(self, server: web.Server, limits: ConnectionLimits):
        self.server = server
        self.limits = limits
        self._open: set[_GuardedConnection] = set()
        self._per_client: Counter[str] = Counter()
        self._refused = 0
        self._loop = asyncio.get_running_loop()
        self._sweeper: asyncio.Task | None = None

    def __call__(self) -> asyncio.Protocol:  # the protocol factory for loop.create_server
        return _GuardedConnection(self)

    def now(self) -> float:
        return self._loop.time()

    @property
    def open_connections(self) -> int:
        return len(self._open)

    @property
    def refused_connections(self) -> int:
        return self._refused

    def admit(self, conn: _GuardedConnection) -> bool:
        if (len(self._open) >= self.limits.max_connections
                or self._per_client[conn.client] >= self.limits.max_connections_per_client):
            self._refused += 1
            return False
        self._open.add(conn)
        self._per_client[conn.client] += 1
        return True

    def release(self, conn: _GuardedConnection) -> None:
        if conn in self._open:
            self._open.discard(conn)
            self._per_client[conn.client] -= 1
            if self._per_client[conn.client] <= 0:
                del self._per_client[conn.client]

    def cut_later(self, transport: asyncio.Transport) -> None:
        self._loop.call_later(EXPIRED_GRACE_S, transport.abort)

    def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep(), name="faxgw-connection-guard")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_S)
            now = self.now()
            for conn in list(self._open):
                conn.check(now)


class GuardedSite(web.BaseSite):
    """A TCP site whose connections pass through a ConnectionGuard. The listen backlog is
    large (the kernel caps it at net.core.somaxconn): when many connections are cut at once
    and reconnect together, a full backlog drops SYNs, and a dropped SYN costs a normal
    client a one-second retransmission."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, limits: ConnectionLimits,
                 backlog: int = 4096):
        super().__init__(runner, backlog=backlog)
        self._host, self._port, self._limits = host, port, limits
        self.guard: ConnectionGuard | None = None

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        self.guard = ConnectionGuard(self._runner.server, self._limits)
        self._server = await asyncio.get_running_loop().create_server(
            self.guard, self._host, self._port, backlog=self._backlog, reuse_address=True)
        self.guard.start()

    async def stop(self) -> None:
        if self.guard is not None:
            await self.guard.stop()
        await super().stop()
