"""The README's verification code, run by a tenant on what the real worker sent, catches
forged and replayed requests."""

import time

from faxgw.webhooks import signing
from tests.integration.webhooks.harness import running_app, wait_for
from tests.integration.webhooks.test_worker import start_receiver
from tests.unit.webhooks.test_readme_example import readme_verify


async def test_the_readme_check_catches_forged_and_replayed_deliveries(tmp_path, monkeypatch):
    async with running_app(tmp_path) as ra:
        api = await ra.tenant("clinic")
        receiver, endpoint = await start_receiver(api)
        try:
            await api.send_fax()
            await wait_for(lambda: receiver.accepted, 10, "the first delivery")
        finally:
            await receiver.stop()
    body, header = receiver.wire[0]  # as it came off the wire
    secret = endpoint["secret"]
    t = signing.parse(header)[0]
    verify = readme_verify()

    assert verify(body, header, [secret]) is True
    assert verify(body, header, ["whsec_someone_else"]) is False
    assert verify(body.replace(b"FaxReceived", b"FaxSent"), header, [secret]) is False  # forged body
    assert verify(body, header.replace(f"t={t}", f"t={t + 400}"), [secret]) is False  # moved stamp

    # Replayed later: the README's code reads the clock through time.time.
    monkeypatch.setattr(time, "time", lambda: t + 301)
    assert verify(body, header, [secret]) is False  # outside the 5 minutes: stale
    monkeypatch.setattr(time, "time", lambda: t + 299)
    # Inside them a replay verifies, exactly like a redelivery: the receiver drops both by
    # the event id, which the signature covers (it is in the body).
    assert verify(body, header, [secret]) is True
    assert receiver.accepted[0].event_id.encode() in body
