"""Slow and greedy clients against the real daemon: a head or body trickled in is cut off at
its deadline with a 408, connections beyond the per-client cap get a fast 503, and other
clients are still served meanwhile."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

HEADER_TIMEOUT_S = 1.0
BODY_TIMEOUT_S = 2.0
PER_CLIENT = 5
# The guard sweeps once a second; a cut-off comes within its deadline plus a sweep or two.
SLACK_S = 3.0

CONFIG = f"""
[server]
listen = "127.0.0.1:0"
header_timeout_s = {HEADER_TIMEOUT_S}
body_timeout_s = {BODY_TIMEOUT_S}
max_connections_per_client = {PER_CLIENT}
"""


@pytest.fixture(scope="module")
def guarded(daemon_class, tmp_path_factory):
    root = tmp_path_factory.mktemp("guarded")
    d = daemon_class(root, "")
    # The [server] table is the daemon's own: replace the default one.
    d.config.write_text(d.config.read_text().replace('[server]\nlisten = "127.0.0.1:0"\n', CONFIG))
    d.start()
    yield d
    d.stop()


def _port(daemon) -> int:
    return int(daemon.url.rsplit(":", 1)[1])


async def _open(daemon, source: str = "127.0.0.1"):
    return await asyncio.open_connection("127.0.0.1", _port(daemon), local_addr=(source, 0))


async def _trickle_until_closed(reader, writer, data: bytes, gap_s: float, limit_s: float) -> tuple[float, bytes]:
    """Send `data` a byte per `gap_s` until the server closes; seconds taken and its answer."""
    started = time.monotonic()
    answer = b""
    for byte in data:
        if time.monotonic() - started > limit_s:
            break
        try:
            writer.write(bytes([byte]))
            await writer.drain()
        except ConnectionError:
            break
        try:
            chunk = await asyncio.wait_for(reader.read(65536), gap_s)
        except TimeoutError:
            continue
        except ConnectionError:
            break
        if not chunk:
            break
        answer += chunk
    try:
        answer += await asyncio.wait_for(reader.read(65536), 1.0)
    except (TimeoutError, ConnectionError):
        pass
    writer.close()
    return time.monotonic() - started, answer


async def _status(daemon, source: str, path: str = "/health") -> int:
    reader, writer = await _open(daemon, source)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return int(answer.split(b" ", 2)[1])


async def test_a_trickled_head_is_cut_off_with_408(guarded):
    reader, writer = await _open(guarded)
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 400 + b"\r\n\r\n"
    took, answer = await _trickle_until_closed(reader, writer, head, 0.1, 30)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert took < HEADER_TIMEOUT_S + SLACK_S, took


async def test_a_silent_connection_is_cut_off(guarded):
    reader, writer = await _open(guarded)
    started = time.monotonic()
    answer = await asyncio.wait_for(reader.read(), 30)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert time.monotonic() - started < HEADER_TIMEOUT_S + SLACK_S
    writer.close()


async def test_a_trickled_body_is_cut_off_with_408(guarded):
    reader, writer = await _open(guarded)
    body = json.dumps({"filter": {}, "padding": "x" * 500}).encode()
    writer.write(b"POST /fax/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Authorization: Bearer nobody\r\n"
                 + f"Content-Length: {len(body)}\r\n\r\n".encode())
    await writer.drain()
    took, answer = await _trickle_until_closed(reader, writer, body, 0.1, 30)
    # Unauthenticated: the 401 may come first (the body is never read); either way the
    # connection does not stay open for the whole trickle (50 s).
    assert answer.split(b" ", 2)[1] in (b"401", b"408"), answer[:200]
    assert took < BODY_TIMEOUT_S + SLACK_S, took


async def test_a_trickled_body_of_a_tenant_gets_408_and_the_daemon_logs_no_error(guarded):
    from faxgw.store import Store
    store = await Store.open(guarded.state_dir)
    try:
        _, key = await store.create_tenant("slow")
    finally:
        await store.close()
    reader, writer = await _open(guarded)
    body = json.dumps({"padding": "x" * 500}).encode()
    writer.write(b"POST /fax/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 + f"Authorization: Bearer {key}\r\nContent-Length: {len(body)}\r\n\r\n".encode())
    await writer.drain()
    took, answer = await _trickle_until_closed(reader, writer, body, 0.1, 30)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:300]
    assert b'"request_timeout"' in answer
    assert took < BODY_TIMEOUT_S + SLACK_S, took
    assert "Traceback" not in (guarded.root / "daemon.stderr").read_text()


async def test_connections_beyond_the_per_client_cap_get_a_fast_503_and_others_are_served(guarded):
    held = [await _open(guarded, "127.0.0.3") for _ in range(PER_CLIENT)]
    try:
        await asyncio.sleep(0.2)  # all accepted
        started = time.monotonic()
        assert await _status(guarded, "127.0.0.3") == 503
        assert time.monotonic() - started < 1.0
        # Another client address is not affected by this one's connections.
        assert await _status(guarded, "127.0.0.4") == 200
    finally:
        for _, writer in held:
            writer.close()
    await asyncio.sleep(0.3)  # closed connections give their slots back
    assert await _status(guarded, "127.0.0.3") == 200
