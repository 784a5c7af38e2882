"""A call cut off by a crash is the gateway's fault: recovery at the next start (the store's
close_interrupted_attempts, as the scheduler runs it) ends it as interrupted without
spending an automatic retry, up to FREE_INTERRUPTIONS times per fax."""

from __future__ import annotations

from faxgw.store.attempts import FREE_INTERRUPTIONS


async def _retries_left(store, fax_id: str) -> int:
    row = await store.db.fetchone("SELECT auto_retries_left FROM faxes WHERE id = ?", (fax_id,))
    return row[0]


async def test_an_interrupted_call_gives_its_retry_back(tenant, store):
    client = await tenant()
    status, fax = await client.send()
    assert status == 201
    before = await _retries_left(store, fax["faxId"])
    for n in range(FREE_INTERRUPTIONS):
        claim = await store.claim_next_job("modem0", tenant_id=client.tenant_id)
        assert claim is not None, n
        # The daemon dies mid-call; at the next start the open attempt is closed.
        closed = await store.close_interrupted_attempts()
        assert len(closed) == 1
        assert await _retries_left(store, fax["faxId"]) == before, n
        row = await store.fax_row(fax["faxId"])
        assert row["status"] == "FaxRetryAttempted", dict(row)
    # One interruption too many: now it spends a retry like any failure.
    claim = await store.claim_next_job("modem0", tenant_id=client.tenant_id)
    assert claim is not None
    await store.close_interrupted_attempts()
    assert await _retries_left(store, fax["faxId"]) == before - 1
