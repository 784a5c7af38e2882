"""One HTTP POST of one event to one endpoint, and what came of it.

2xx means delivered; any other status (redirects included: they are never followed, a
redirect could lead to a destination the URL policy refuses), a timeout, a refused
destination or a connection error means "try again later", which the caller decides.
The response body is read only up to a small limit, and only when the admin lets tenants
see it (``keep_response_body``; the limit is 0 otherwise): the status code and the timing
are what a tenant is shown. A receiver that sends more is cut off.

A tenant reads the attempt record, so every failure to reach a destination (refused by
the policy, connection refused, no route, connect timeout) is recorded as the same
``could not connect``: the record must not tell a tenant which ports of which hosts are
open. The admin's log has the reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver

from faxgw import __version__
from faxgw.webhooks import signing
from faxgw.webhooks.envelope import HTTP_CONTENT_TYPE
from faxgw.webhooks.url_policy import DestinationRefused, PolicyResolver, UrlPolicy

log = logging.getLogger(__name__)
USER_AGENT = f"faxgw-webhooks/{__version__}"
EVENT_ID_HEADER = "Faxgw-Event-Id"


@dataclass(frozen=True)
class DeliveryLimits:
    connect_timeout_s: float = 3.0
    total_timeout_s: float = 10.0
    max_response_bytes: int = 4096
    # Connections kept open per endpoint host: keep-alive makes bursts cheap.
    connections_per_host: int = 4


@dataclass(frozen=True)
class AttemptRecord:
    started_at: float  # Unix time
    duration_ms: float
    status_code: int | None
    error: str | None
    response_excerpt: str

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def make_client_session(
    policy: UrlPolicy | PolicyResolver, limits: DeliveryLimits, dns: AbstractResolver | None = None
) -> aiohttp.ClientSession:
    """The one client session the worker shares across deliveries (pooled connections).

    ``dns`` is the resolver whose answers the policy checks (the system's by default).
    Given a PolicyResolver, the caller keeps it to change its policy later.
    """
    resolver = policy if isinstance(policy, PolicyResolver) else PolicyResolver(policy, dns)
    connector = aiohttp.TCPConnector(
        resolver=resolver,
        limit=0,  # the worker bounds concurrency itself
        limit_per_host=limits.connections_per_host,
    )
    timeout = aiohttp.ClientTimeout(
        total=limits.total_timeout_s,
        connect=limits.connect_timeout_s,
        sock_connect=limits.connect_timeout_s,
    )
    # trust_env=False: an HTTP(S)_PROXY in the daemon's environment must not route
    # deliveries around the URL policy.
    return aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )


async def deliver(
    session: aiohttp.ClientSession,
    policy: UrlPolicy,
    url: str,
    body: bytes,
    event_id: str,
    secrets: list[str],
    limits: DeliveryLimits,
) -> AttemptRecord:
    started_at = time.time()
    clock = time.monotonic()
    status: int | None = None
    excerpt = ""
    error: str | None = None
    try:
        target = policy.check_url(url)  # parsed once per URL and kept by the policy
        headers = {
            "Content-Type": HTTP_CONTENT_TYPE,
            EVENT_ID_HEADER: event_id,
            signing.HEADER: signing.sign(body, secrets),
        }
        async with session.post(target, data=body, headers=headers, allow_redirects=False) as resp:
            status = resp.status
            excerpt, cut_off = await _read_limited(resp, limits.max_response_bytes)
            if cut_off:
                # Unread bytes stay on the socket; closing it instead of draining keeps a
                # receiver that streams forever from holding the worker.
                resp.close()
            if 300 <= status < 400:
                error = f"redirect to {resp.headers.get('Location', '?')!r} not followed"
    except DestinationRefused as exc:
        error = _could_not_connect(url, f"refused by URL policy: {exc}")
    except aiohttp.ClientConnectorError as exc:
        error = _could_not_connect(url, _describe_connect_error(exc))
    except aiohttp.ConnectionTimeoutError:
        error = _could_not_connect(url, "connect timed out")
    except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
        error = "timed out"
    except aiohttp.ClientError as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = (time.monotonic() - clock) * 1000.0
    return AttemptRecord(started_at, duration_ms, status, error, excerpt)


async def _read_limited(resp: aiohttp.ClientResponse, limit: int) -> tuple[str, bool]:
    """Up to ``limit`` bytes of the body as text, and whether more was left unread.

    A receiver that answered its status and then stalls or errors while sending the body
    does not change the outcome: the status decides.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        while size < limit:
            chunk = await resp.content.read(limit - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        cut_off = not resp.content.at_eof()
    except (asyncio.TimeoutError, aiohttp.ClientError):
        cut_off = True
    return b"".join(chunks).decode("utf-8", "replace"), cut_off


COULD_NOT_CONNECT = "could not connect"


def _could_not_connect(url: str, reason: str) -> str:
    log.info("webhook delivery to %s could not connect: %s", url, reason)
    return COULD_NOT_CONNECT


def _describe_connect_error(exc: aiohttp.ClientConnectorError) -> str:
    cause = exc.__cause__ or exc.os_error
    if isinstance(cause, DestinationRefused):
        return f"refused by URL policy: {cause}"
    return f"connection failed: {exc.os_error.strerror or exc.os_error}"
