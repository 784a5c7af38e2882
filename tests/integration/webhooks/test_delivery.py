"""One delivery against a real aiohttp receiver on a loopback port."""

import socket
import time
from datetime import datetime, timezone

import aiohttp
import pytest

from faxgw.webhooks import signing
from faxgw.webhooks.delivery import DeliveryLimits, deliver, make_client_session
from faxgw.webhooks.envelope import FaxEvent, encode_envelope
from faxgw.webhooks.url_policy import UrlPolicy
from tests.integration.webhooks.receiver import Receiver

SECRET = "whsec_integration"
LIMITS = DeliveryLimits(connect_timeout_s=1.0, total_timeout_s=1.0, max_response_bytes=1024)
# The test receivers run on this box, which the URL policy refuses by default.
POLICY = UrlPolicy.from_config(allow_own_ports=["1-65535"])


def make_body(event_id="evt-1", sequence=1):
    event = FaxEvent(
        event_id=event_id,
        tenant_id="t1",
        fax_id="fax-1",
        sequence=sequence,
        status="FaxReceived",
        occurred_at=datetime.now(timezone.utc),
        fax={"faxId": "fax-1", "faxStatus": "FaxReceived"},
    )
    return encode_envelope(event)


@pytest.fixture
async def receiver():
    r = await Receiver(secrets=[SECRET]).start()
    yield r
    await r.stop()


@pytest.fixture
async def session():
    s = make_client_session(POLICY, LIMITS)
    yield s
    await s.close()


async def test_2xx_is_delivered_and_the_receiver_verifies_the_signature(receiver, session):
    body = make_body()
    record = await deliver(session, POLICY, receiver.url, body, "evt-1", [SECRET], LIMITS)
    assert record.delivered and record.status_code == 204 and record.error is None
    assert receiver.rejected == []
    assert [a.event_id for a in receiver.accepted] == ["evt-1"]
    assert receiver.accepted[0].envelope["data"]["faxId"] == "fax-1"


async def test_both_secrets_sign_during_rotation(receiver, session):
    receiver.secrets = ["old-secret"]
    record = await deliver(session, POLICY, receiver.url, make_body(), "evt-1", ["new-secret", "old-secret"], LIMITS)
    assert record.delivered
    receiver.secrets = ["new-secret"]
    record = await deliver(session, POLICY, receiver.url, make_body("evt-2"), "evt-2", ["new-secret", "old-secret"], LIMITS)
    assert record.delivered and receiver.rejected == []


async def test_a_receiver_with_another_secret_rejects_and_that_is_not_delivered(receiver, session):
    record = await deliver(session, POLICY, receiver.url, make_body(), "evt-1", ["not-the-secret"], LIMITS)
    assert record.status_code == 400 and not record.delivered
    assert receiver.accepted == [] and len(receiver.rejected) == 1


async def test_500_is_not_delivered_and_the_excerpt_is_kept(receiver, session):
    receiver.mode = "fail"
    record = await deliver(session, POLICY, receiver.url, make_body(), "evt-1", [SECRET], LIMITS)
    assert not record.delivered and record.status_code == 500
    assert record.response_excerpt == "receiver broken"


async def test_redirects_are_not_followed(receiver, session):
    target = await Receiver(secrets=[SECRET]).start()
    try:
        receiver.mode = "redirect"
        receiver.redirect_to = target.url
        record = await deliver(session, POLICY, receiver.url, make_body(), "evt-1", [SECRET], LIMITS)
        assert record.status_code == 307 and not record.delivered
        assert "not followed" in record.error
        assert target.requests == 0
    finally:
        await target.stop()


async def test_an_endless_response_body_is_cut_off_at_the_limit(receiver, session):
    receiver.mode = "stream"
    started = time.monotonic()
    record = await deliver(session, POLICY, receiver.url, make_body(), "evt-1", [SECRET], LIMITS)
    assert record.status_code == 500
    assert len(record.response_excerpt) == LIMITS.max_response_bytes
    # A client that drained the body would have pulled the full GiB; closing leaves only
    # what the kernel's socket buffers took.
    assert receiver.streamed_bytes < 64 * 1024 * 1024
    assert time.monotonic() - started < LIMITS.total_timeout_s


async def test_a_hanging_receiver_times_out(receiver, session):
    receiver.mode = "hang"
    started = time.monotonic()
    record = await deliver(session, POLICY, receiver.url, make_body(), "evt-1", [SECRET], LIMITS)
    elapsed = time.monotonic() - started
    assert record.error == "timed out" and record.status_code is None
    assert LIMITS.total_timeout_s * 0.9 <= elapsed < LIMITS.total_timeout_s + 1.0


async def test_refused_connections_are_a_connection_error(session):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    record = await deliver(session, POLICY, f"http://127.0.0.1:{port}/hook", make_body(), "evt-1", [SECRET], LIMITS)
    assert not record.delivered and record.status_code is None
    assert record.error == "could not connect"  # the same words as for a refused destination


async def test_the_box_own_port_is_refused_by_literal_and_by_name(receiver):
    policy = UrlPolicy.from_config(own_ports=[receiver.port])
    async with make_client_session(policy, LIMITS) as session:
        for url in (receiver.url, f"http://localhost:{receiver.port}/hook"):
            record = await deliver(session, policy, url, make_body(), "evt-1", [SECRET], LIMITS)
            # The same words as for a closed port: a tenant learns nothing of the box's ports.
            assert not record.delivered and record.error == "could not connect", url
    assert receiver.requests == 0


async def test_non_http_schemes_are_refused_without_a_request(session):
    record = await deliver(session, POLICY, "ftp://127.0.0.1/hook", make_body(), "evt-1", [SECRET], LIMITS)
    assert record.error == "could not connect"


async def test_keep_alive_connections_are_reused_between_deliveries(receiver, session):
    for n in range(5):
        record = await deliver(session, POLICY, receiver.url, make_body(f"evt-{n}"), f"evt-{n}", [SECRET], LIMITS)
        assert record.delivered
    assert len(receiver.accepted) == 5


async def test_the_documented_check_detects_forged_and_replayed_requests(receiver, session):
    """Capture a real delivery off the wire, then replay it and forge it against the receiver."""
    record = await deliver(session, POLICY, receiver.url, make_body(), "evt-1", [SECRET], LIMITS)
    assert record.delivered
    body, header = receiver.wire[0]
    t = signing.parse(header)[0]

    async with aiohttp.ClientSession() as raw:
        # Replayed within the tolerance: signature valid, receiver drops it by id.
        async with raw.post(receiver.url, data=body, headers={signing.HEADER: header}) as resp:
            assert resp.status == 204
        assert receiver.duplicates == ["evt-1"]

        # Forged body with a captured header: HMAC mismatch.
        forged = body.replace(b"FaxReceived", b"FaxSent")
        async with raw.post(receiver.url, data=forged, headers={signing.HEADER: header}) as resp:
            assert resp.status == 400

        # Replayed after the tolerance (receiver's clock 10 minutes later): stale.
        receiver.clock_offset_s = 600
        async with raw.post(receiver.url, data=body, headers={signing.HEADER: header}) as resp:
            assert resp.status == 400

        # Stale timestamp rewritten to "now": HMAC mismatch.
        rewritten = header.replace(f"t={t}", f"t={t + 600}")
        async with raw.post(receiver.url, data=body, headers={signing.HEADER: rewritten}) as resp:
            assert resp.status == 400

    assert [r.split(":")[0] for r in receiver.rejected] == [
        "SignatureMismatch",
        "StaleSignature",
        "SignatureMismatch",
    ]
    assert len(receiver.accepted) == 1
