"""5550100 and +15550100 are one number (with [dialplan] country_code = "1"): for search,
for the one-call-per-number rule, and a received fax's sender filter compares digits."""

from __future__ import annotations

import pytest

from faxgw.store import Store
from faxgw.store.received import ReceivedStore

NANP = '[dialplan]\ncountry_code = "1"\n'


@pytest.fixture(scope="module")
def nanp_daemon(daemon_class, tmp_path_factory):
    d = daemon_class(tmp_path_factory.mktemp("nanp"), NANP).start()
    yield d
    d.stop()


async def _client(http, daemon, name="t"):
    from .conftest import Client

    store = await Store.open(daemon.state_dir)
    try:
        tenant_id, key = await store.create_tenant(name)
    finally:
        await store.close()
    return Client(http, daemon.url, key, tenant_id)


async def test_search_finds_a_number_however_it_was_typed(http, nanp_daemon):
    client = await _client(http, nanp_daemon)
    _, national = await client.send("5550100")
    _, international = await client.send("+1 555 0100")
    assert national["phoneNumber"] == "5550100"  # what the client typed is kept
    for typed in ("5550100", "+15550100", "+1 (555) 0100"):
        status, body = await client.search(faxNumber=typed, faxSentDate="2000-01-01")
        assert status == 200, body
        assert {f["faxId"] for f in body["faxes"]} == {national["faxId"], international["faxId"]}, typed


async def test_one_call_per_number_whichever_way_it_was_written(http, nanp_daemon):
    client = await _client(http, nanp_daemon, "calls")
    await client.send("+15550177")
    await client.send("5550177")
    store = await Store.open(nanp_daemon.state_dir)
    try:
        first = await store.claim_next_job("m1", client.tenant_id)
        assert first is not None
        # The other fax is for the same number: it waits while that number is in a call.
        assert await store.claim_next_job("m2", client.tenant_id) is None
    finally:
        await store.close()


async def test_the_sender_filter_matches_a_tsi_spaced_otherwise(http, nanp_daemon):
    import uuid

    from faxgw.store.received import NewCall, ReceivedCallEnd

    client = await _client(http, nanp_daemon, "inbox")
    store = await Store.open(nanp_daemon.state_dir)
    received = ReceivedStore(store.db)
    try:
        call_id = str(uuid.uuid4())
        await received.begin(NewCall(id=call_id, modem="in1", tenant_id=client.tenant_id,
                                     routed_by="default", folder=f"received/{call_id}"))
        await received.finish(call_id, ReceivedCallEnd(
            status="failed", partial_reason=None, outcome="no_carrier", remote_ident="+1 5550102",
            bit_rate=None, resolution=None, coding=None, ecm=None, details={}))
    finally:
        await store.close()
    for sender in ("+15550102", "+1 555 0102", "5550102"):
        status, body = await client.call("POST", "/received/search", json={"sender": sender})
        assert status == 200, body
        assert [r["receivedId"] for r in body["receivedFaxes"]] == [call_id], (sender, body)
    status, body = await client.call("POST", "/received/search", json={"sender": "+15550103"})
    assert body["receivedFaxes"] == [], body
