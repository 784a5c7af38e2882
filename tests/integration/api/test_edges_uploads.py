"""Uploads cut off by the client or trickled in (the real daemon): no ERROR and no
traceback in the log, no staging file left behind, and a slow upload ends at its deadline."""

from __future__ import annotations

import asyncio
import socket
import struct
import time

import pytest

BODY_TIMEOUT_S = 2.0


@pytest.fixture(scope="module")
def upload_daemon(daemon_class, tmp_path_factory):
    d = daemon_class(tmp_path_factory.mktemp("uploads"), "")
    d.config.write_text(d.config.read_text().replace(
        '[server]\nlisten = "127.0.0.1:0"\n', f'[server]\nlisten = "127.0.0.1:0"\nbody_timeout_s = {BODY_TIMEOUT_S}\n'))
    d.start()
    yield d
    d.stop()


async def _key(daemon) -> str:
    from faxgw.store import Store
    store = await Store.open(daemon.state_dir)
    try:
        return (await store.create_tenant("uploader"))[1]
    finally:
        await store.close()


def _head(key: str, length: int) -> tuple[bytes, bytes]:
    boundary = "b0undary"
    part = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"phoneNumber\"\r\n\r\n+15551234567\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n").encode()
    head = (f"POST /fax HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n\r\n").encode()
    return head, part


def _staged(daemon) -> list[str]:
    return sorted(p.name for p in (daemon.state_dir / "tmp").iterdir())


async def test_dropped_uploads_log_no_error_and_leave_nothing(upload_daemon):
    key = await _key(upload_daemon)
    port = int(upload_daemon.url.rsplit(":", 1)[1])
    log = upload_daemon.root / "daemon.stderr"
    before = log.stat().st_size
    for n in range(20):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head, part = _head(key, 1_000_000)
        writer.write(head + part + b"x" * 50_000)
        await writer.drain()
        await asyncio.sleep(0.05)
        sock = writer.get_extra_info("socket")
        if n % 2:  # half of them with a RST, as a crashed client or a cut cable would
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.close()
    await asyncio.sleep(1.0)
    grown = log.read_text()[before:]
    assert "ERROR" not in grown and "Traceback" not in grown, grown[-3000:]
    assert _staged(upload_daemon) == []


async def test_a_trickled_upload_ends_at_its_deadline_and_leaves_nothing(upload_daemon):
    key = await _key(upload_daemon)
    port = int(upload_daemon.url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head, part = _head(key, 100_000)
    writer.write(head + part)
    started = time.monotonic()
    answer = b""
    while time.monotonic() - started < 30:
        try:
            writer.write(b"x" * 10)
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(65536), 0.2)
            if answer or reader.at_eof():
                break
        except TimeoutError:
            continue
        except ConnectionError:
            break
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:300]
    assert time.monotonic() - started < BODY_TIMEOUT_S + 3.0
    await asyncio.sleep(0.3)
    assert _staged(upload_daemon) == []
