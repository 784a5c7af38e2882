"""Two tenants cannot see or touch each other's faxes, attempts or endpoints through any endpoint."""

from __future__ import annotations

from faxgw.store import AttemptResult

NOT_FOUND = {"code": "fax_not_found", "message": "No fax with this faxId exists."}


async def test_tenants_are_invisible_to_each_other(tenant, store):
    alice, bob = await tenant("alice"), await tenant("bob")
    _, afax = await alice.send()
    fid = afax["faxId"]
    claim = await store.start_attempt(fid, "modem0")
    await store.finish_attempt(claim.attempt_id, AttemptResult(
        success=False, outcome="busy", failed_reason="The line was busy.", retry_delay_s=600))
    _, ep = await alice.call("POST", "/fax/webhook/endpoints", json={"url": "https://alice.example/h"})

    # Every fax endpoint answers Bob exactly as for a fax that does not exist.
    for method, suffix in [("GET", ""), ("PUT", "/hold"), ("PUT", "/revive"), ("PUT", "/retry"),
                           ("GET", "/attempts"), ("GET", f"/attempts/{claim.attempt_id}"), ("DELETE", "")]:
        code, body = await bob.call(method, f"/fax/{fid}{suffix}")
        assert (code, body) == (404, NOT_FOUND), (method, suffix)
    # Search: neither by id nor by date.
    _, res = await bob.search(faxId=fid)
    assert res["faxes"] == []
    _, res = await bob.search(faxSentDate="2000-01-01", faxNumber=afax["phoneNumber"])
    assert res["faxes"] == []
    # Webhook endpoints: not listed, not deletable.
    _, listed = await bob.call("GET", "/fax/webhook/endpoints")
    assert listed["endpoints"] == []
    code, body = await bob.call("DELETE", f"/fax/webhook/endpoints?endpointId={ep['endpointId']}")
    assert (code, body["code"]) == (404, "endpoint_not_found")
    # Idempotency keys are per tenant too (checked in test_faxes); Bob's own fax is his.
    _, bfax = await bob.send(afax["phoneNumber"])
    assert bfax["tenantId"] == bob.tenant_id

    # Alice still sees everything of hers, untouched by Bob's attempts.
    code, mine = await alice.call("GET", f"/fax/{fid}")
    assert code == 200 and mine["faxStatus"] == "FaxRetryAttempted"
    _, res = await alice.search(faxSentDate="2000-01-01")
    assert [f["faxId"] for f in res["faxes"]] == [fid]
    _, listed = await alice.call("GET", "/fax/webhook/endpoints")
    assert [e["endpointId"] for e in listed["endpoints"]] == [ep["endpointId"]]
    code, attempts = await alice.call("GET", f"/fax/{fid}/attempts")
    assert code == 200 and len(attempts["attempts"]) == 1
