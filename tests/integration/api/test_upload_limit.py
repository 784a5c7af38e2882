"""Uploads over the configured limit: 413, nothing written, and the server stops reading."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from urllib.parse import urlsplit

import pytest

LIMIT = 1024 * 1024
BOUNDARY = "faxgwboundary"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory, daemon_class):
    d = daemon_class(tmp_path_factory.mktemp("limit"), f"[limits]\nmax_upload_bytes = {LIMIT}\n")
    yield d.start()
    d.stop()


def pdf_of(size: int) -> bytes:
    """A real one-page PDF (submit reads documents) padded to ``size`` with a comment."""
    from tests.integration.api.conftest import PDF

    head, body = b"%PDF-1.4\n%", PDF[len(b"%PDF-1.4\n"):]
    return head + b"x" * (size - len(head) - len(body) - 1) + b"\n" + body


def files(daemon) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), daemon.state_dir)
                  for d, _, fs in os.walk(daemon.state_dir) for f in fs if not f.startswith("faxgw.sqlite3"))  # pages render after a 201


async def test_exactly_the_limit_is_accepted(tenant, daemon):
    c = await tenant()
    code, fax = await c.send(docs=(pdf_of(LIMIT // 2), pdf_of(LIMIT // 2)))
    assert code == 201 and fax["documentCount"] == 2


async def test_one_byte_over_is_413_and_writes_nothing(tenant, daemon, store):
    c = await tenant()
    before = files(daemon)
    code, err = await c.send(docs=(pdf_of(LIMIT // 2), pdf_of(LIMIT // 2 + 1)))
    assert (code, err["code"], err["limitBytes"]) == (413, "document_too_large", LIMIT)
    assert files(daemon) == before
    _, res = await c.search(faxSentDate="2000-01-01")
    assert res["faxes"] == []


async def _raw_upload(url: str, key: str, total: int, chunked: bool, expect: bool = False) -> tuple[bytes, int]:
    """Send a multipart upload of `total` document bytes by hand; return (answer, bytes written)."""
    u = urlsplit(url)
    reader, writer = await asyncio.open_connection(u.hostname, u.port)
    pre = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"phoneNumber\"\r\n\r\n+15551234567\r\n"
           f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.pdf\"\r\n"
           "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n").encode()
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(pre) + total}"
    head = (f"POST /fax HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n{length}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            + ("Expect: 100-continue\r\n" if expect else "") + "\r\n").encode()
    writer.write(head)
    answer = asyncio.ensure_future(reader.read(4096))
    written = 0
    block = b"x" * 65536
    try:
        for piece in [pre] + [block] * (total // len(block)):
            if answer.done():
                break
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            written += len(piece)
            await asyncio.wait_for(writer.drain(), 5)
    except (ConnectionError, asyncio.TimeoutError):
        pass
    data = await asyncio.wait_for(answer, 10)  # a RST instead of the answer fails the test
    writer.close()
    return data, written


async def test_server_stops_reading_a_chunked_upload_past_the_limit(tenant, daemon):
    c = await tenant()
    total = 64 * LIMIT
    answer, written = await _raw_upload(daemon.url, c.key, total, chunked=True)
    assert answer.startswith(b"HTTP/1.1 413") and b'"document_too_large"' in answer, answer[:200]
    # The server took at most the limit, then a bounded drain, plus what the socket buffers
    # held: far from all of it.
    assert written < total // 3, written


async def test_announced_oversize_is_refused_before_reading(tenant, daemon):
    c = await tenant()
    answer, written = await _raw_upload(daemon.url, c.key, 64 * LIMIT, chunked=False)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert written < 64 * LIMIT // 3


@pytest.mark.parametrize("announced", [True, False])
async def test_a_client_that_sends_everything_before_reading_gets_the_413(tenant, daemon, announced):
    """The simple client (http.client and the like): the whole body first, over a link slower
    than loopback, then it reads. If the server closed while the client still sends, its
    kernel answers with RST, the client's send fails and it never reads the 413."""
    c = await tenant()
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"phoneNumber\"\r\n\r\n+15551234567\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + pdf_of(LIMIT + 300_000) \
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    # announced: the length alone says it is too big (refused before reading); otherwise
    # chunked, and the server finds out on reading past the limit.
    framing = f"Content-Length: {len(body)}" if announced else "Transfer-Encoding: chunked"
    payload = body if announced else b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    head = (f"POST /fax HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {c.key}\r\n{framing}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n").encode()
    answer = await asyncio.to_thread(_send_all_then_read, daemon.url, head + payload)
    assert answer.startswith(b"HTTP/1.1 413") and b'"document_too_large"' in answer, answer[:200]


def _send_all_then_read(url: str, request: bytes) -> bytes:
    u = urlsplit(url)
    with socket.create_connection((u.hostname, u.port), timeout=10) as sock:
        sock.sendall(request[:LIMIT])
        for at in range(LIMIT, len(request), 32 * 1024):  # the rest at about 300 kB/s
            sock.sendall(request[at:at + 32 * 1024])
            time.sleep(0.1)
        answer = b""
        while chunk := sock.recv(65536):  # to EOF: the answer, then a clean close
            answer += chunk
        return answer


async def test_expect_100_continue_gets_413_before_the_body(tenant, daemon):
    c = await tenant()
    u = urlsplit(daemon.url)
    reader, writer = await asyncio.open_connection(u.hostname, u.port)
    writer.write((f"POST /fax HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {c.key}\r\n"
                  f"Content-Length: {50 * LIMIT}\r\nExpect: 100-continue\r\n"
                  f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n").encode())
    answer = await asyncio.wait_for(reader.read(4096), 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 413") and b"document_too_large" in answer
