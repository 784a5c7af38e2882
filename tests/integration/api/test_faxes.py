"""Every endpoint of a fax and every transition, allowed or refused, through the real server."""

from __future__ import annotations

import hashlib
import os

import pytest

from faxgw.store import AttemptResult


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")  # one blank A4 page: submit now really reads documents
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x01\x00\x00\x00\x007\x88\xc2\xcc\x00\x00\x00"
       b"\x0fIDATx\x9cc\xfc\xcf\xc0\xc4@\x02\x02\x002\x01\x01\x1fYM\xe4\x10\x00\x00\x00\x00IEND\xaeB`\x82")  # a real 16x16 PNG
TEXT = "Referral for Mrs Müller\n\fpage two\n".encode()

# Written from ../shared/design/api-and-lifecycle.md, independently of faxgw.lifecycle.
ALLOWED = {
    "hold": {"FaxReceived", "FaxRetryAttempted", "FaxRetry"},
    "revive": {"FaxHeld"},
    "retry": {"FaxFailed"},
    "stop": {"FaxReceived", "FaxRetryAttempted", "FaxRetry", "FaxHeld"},
}
STATUSES = ["FaxReceived", "FaxAttemptInitiated", "FaxRetryAttempted", "FaxRetry", "FaxHeld",
            "FaxCancelled", "FaxSent", "FaxFailed"]
ACTION_CALL = {"hold": ("PUT", "/hold"), "revive": ("PUT", "/revive"), "retry": ("PUT", "/retry"),
               "stop": ("DELETE", "")}


async def bring_to(client, store, status: str) -> str:
    """A new fax of `client` in `status`, reached only through the API and the store's attempt API."""
    code, fax = await client.send()
    assert code == 201
    fax_id = fax["faxId"]
    if status == "FaxHeld":
        assert (await client.call("PUT", f"/fax/{fax_id}/hold"))[0] == 200
    elif status == "FaxCancelled":
        assert (await client.call("DELETE", f"/fax/{fax_id}"))[0] == 200
    elif status != "FaxReceived":
        claim = await store.start_attempt(fax_id, "modem0")
        if status == "FaxSent":
            await store.finish_attempt(claim.attempt_id, AttemptResult(success=True, outcome="sent"))
        elif status == "FaxRetryAttempted":
            await store.finish_attempt(claim.attempt_id, AttemptResult(
                success=False, outcome="busy", failed_reason="The line was busy.", retry_delay_s=60))
        elif status in ("FaxFailed", "FaxRetry"):
            await store.finish_attempt(claim.attempt_id, AttemptResult(
                success=False, outcome="not_fax", failed_reason="A person answered.", give_up=True))
            if status == "FaxRetry":
                assert (await client.call("PUT", f"/fax/{fax_id}/retry"))[0] == 200
    code, got = await client.call("GET", f"/fax/{fax_id}")
    assert code == 200 and got["faxStatus"] == status
    return fax_id


async def test_send_answers_201_with_the_fax_and_stores_documents(tenant, daemon):
    client = await tenant()
    code, fax = await client.send("+1 (555) 123-4567", docs=(PDF, PNG, TEXT),
                                  metadata='{"patient": "42", "ward": "B"}', resolution="superfine",
                                  headerLine="Clinic Nord", coverPage='{"to": "Dr. Who"}')
    assert code == 201
    assert fax["faxStatus"] == "FaxReceived" and fax["tenantId"] == client.tenant_id
    assert fax["phoneNumber"] == "+15551234567"
    assert fax["metadata"] == {"patient": "42", "ward": "B"}
    assert fax["resolution"] == "superfine" and fax["documentCount"] == 3
    assert fax["pageCount"] == 5  # the cover page, the PDF's and the PNG's one, the text's two
    assert fax["failedReason"] is None and fax["createdOn"].endswith("Z") and len(fax["createdOn"]) == 24
    folder = daemon.state_dir / "faxes" / fax["faxId"]
    assert sorted(os.listdir(folder)) == ["1.pdf", "2.png", "3.txt"]
    assert (folder / "1.pdf").read_bytes() == PDF and (folder / "3.txt").read_bytes() == TEXT
    assert os.listdir(daemon.state_dir / "tmp") == []


async def test_page_count_is_the_number_of_pages_rendered(tenant):
    client = await tenant()
    _, fax = await client.send(docs=(TEXT, PDF), coverPage='{"to": "Dr. Who"}')
    assert fax["pageCount"] == 4
    async with client.http.get(f"{client.url}/fax/{fax['faxId']}/pages/4", headers=client.headers()) as r:
        assert r.status == 200 and r.content_type == "image/png"
    async with client.http.get(f"{client.url}/fax/{fax['faxId']}/pages/5", headers=client.headers()) as r:
        assert r.status == 404 and (await r.json())["code"] == "page_not_found"
    code, again = await client.call("GET", f"/fax/{fax['faxId']}")
    assert code == 200 and again["pageCount"] == 4


async def test_get_returns_what_send_returned(tenant):
    client = await tenant()
    _, fax = await client.send()
    code, got = await client.call("GET", f"/fax/{fax['faxId']}")
    assert code == 200 and got == fax


async def test_documents_recorded_with_type_size_and_hash(tenant, store):
    client = await tenant()
    _, fax = await client.send(docs=(TEXT, PDF))
    docs = await store.documents(fax["faxId"])
    assert [(d["position"], d["doc_type"], d["size_bytes"]) for d in docs] == [(1, "text", len(TEXT)), (2, "pdf", len(PDF))]
    assert docs[1]["sha256"] == hashlib.sha256(PDF).hexdigest()


async def test_idempotency_key_returns_the_first_fax_for_the_same_request(tenant, store):
    client = await tenant()
    key = {"Idempotency-Key": "order-77"}
    code1, first = await client.send("+15551234567", headers=key, metadata='{"a": "1", "b": "2"}')
    # The same request: the number written differently, the metadata keys in another order.
    code2, again = await client.send("+1 (555) 123-4567", headers=key, metadata='{"b": "2", "a": "1"}')
    assert (code1, code2) == (201, 200)
    assert again == first
    _, found = await client.search(faxSentDate="2000-01-01")
    assert [f["faxId"] for f in found["faxes"]] == [first["faxId"]]
    other = await tenant("other")  # keys are per tenant
    code3, theirs = await other.send(headers=key)
    assert code3 == 201 and theirs["faxId"] != first["faxId"]


@pytest.mark.parametrize("change", [
    {"phone": "+4930123456"},
    {"docs": (PDF, PDF)},
    {"docs": (TEXT,)},
    {"metadata": '{"a": "2"}'},
    {"resolution": "standard"},
    {"headerLine": "ACME"},
    {"coverPage": '{"to": "Dr. X"}'},
])
async def test_idempotency_key_with_another_request_is_422(tenant, store, change):
    client = await tenant()
    key = {"Idempotency-Key": "order-78"}
    code1, first = await client.send("+15551234567", headers=key, metadata='{"a": "1"}')
    fields = {"metadata": '{"a": "1"}', **{k: v for k, v in change.items() if k not in ("phone", "docs")}}
    code2, err = await client.send(change.get("phone", "+15551234567"), docs=change.get("docs", (PDF,)),
                                   headers=key, **fields)
    assert (code1, code2) == (201, 422)
    assert err["code"] == "idempotency_key_reused" and err["faxId"] == first["faxId"]
    assert "order-78" in err["message"]
    _, found = await client.search(faxSentDate="2000-01-01")
    assert [f["faxId"] for f in found["faxes"]] == [first["faxId"]]  # nothing new stored


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
async def test_every_action_from_every_status(tenant, store, status, action):
    client = await tenant()
    fax_id = await bring_to(client, store, status)
    before = await store.history(fax_id)
    method, suffix = ACTION_CALL[action]
    code, body = await client.call(method, f"/fax/{fax_id}{suffix}")
    if status in ALLOWED[action]:
        expected = {"hold": "FaxHeld", "retry": "FaxRetry", "stop": "FaxCancelled",
                    "revive": "FaxReceived"}[action]
        assert code == 200 and body["faxStatus"] == expected
    else:
        assert code == 409
        assert body["code"] == "invalid_status" and body["faxStatus"] == status
        assert status in body["message"]
        assert await store.history(fax_id) == before  # nothing written
    _, now = await client.call("GET", f"/fax/{fax_id}")
    assert now["faxStatus"] == (body["faxStatus"] if code == 200 else status)


async def test_stop_records_received_for_cancel_then_cancelled(tenant, store):
    client = await tenant()
    fax_id = await bring_to(client, store, "FaxHeld")
    await client.call("DELETE", f"/fax/{fax_id}")
    _, res = await client.search(faxId=fax_id, showFaxStatusChangeHistory=True)
    assert [h["faxStatus"] for h in res["faxes"][0]["statusHistory"]] == [
        "FaxReceived", "FaxHeld", "FaxReceivedForCancel", "FaxCancelled"]


@pytest.mark.parametrize("held_from", ["FaxReceived", "FaxRetryAttempted", "FaxRetry"])
async def test_revive_returns_to_the_status_held_from_keeping_the_budget(tenant, store, held_from):
    client = await tenant()
    fax_id = await bring_to(client, store, held_from)
    _, before = await client.call("GET", f"/fax/{fax_id}")
    _, held = await client.call("PUT", f"/fax/{fax_id}/hold")
    assert held["heldFrom"] == held_from and held["nextAttemptOn"] is None
    code, revived = await client.call("PUT", f"/fax/{fax_id}/revive")
    assert code == 200 and revived["faxStatus"] == held_from
    assert revived["automaticRetriesLeft"] == before["automaticRetriesLeft"]
    # Eligible at once: the scheduler's claim takes it now.
    claim = await store.claim_next_job("modem0", tenant_id=client.tenant_id)
    assert claim is not None and claim.fax_id == fax_id


async def test_retry_buys_exactly_one_attempt(tenant, store):
    client = await tenant()
    fax_id = await bring_to(client, store, "FaxFailed")
    await client.call("PUT", f"/fax/{fax_id}/retry")
    claim = await store.claim_next_job("modem0", tenant_id=client.tenant_id)
    assert claim.fax_id == fax_id and claim.manual
    fax = await store.finish_attempt(claim.attempt_id, AttemptResult(
        success=False, outcome="busy", failed_reason="The line was busy.", retry_delay_s=1))
    assert fax["status"] == "FaxFailed"  # no automatic retry after a manual one
    code, attempts = await client.call("GET", f"/fax/{fax_id}/attempts")
    assert code == 200 and [a["manual"] for a in attempts["attempts"]] == [False, True]


async def test_held_fax_is_not_claimed(tenant, store):
    client = await tenant()
    fax_id = await bring_to(client, store, "FaxHeld")
    assert await store.claim_next_job("modem0", tenant_id=client.tenant_id) is None
    assert (await client.call("GET", f"/fax/{fax_id}"))[1]["faxStatus"] == "FaxHeld"


async def test_attempts_list_and_detail(tenant, store):
    client = await tenant()
    _, fax = await client.send(docs=(PDF, PDF))
    claim = await store.start_attempt(fax["faxId"], "modem3")
    code, listed = await client.call("GET", f"/fax/{fax['faxId']}/attempts")
    assert code == 200 and listed["attempts"][0]["inProgress"] is True
    await store.record_page_confirmed(claim.attempt_id, 1)
    await store.finish_attempt(claim.attempt_id, AttemptResult(
        success=False, outcome="line_dropped", failed_reason="The line dropped during page 2.",
        retry_delay_s=30, pages_total=2, remote_ident="+49 30 1234", bit_rate=9600,
        resolution="fine", coding="MR", ecm=True, details={"trace": ["DIS", "DCS", "TCF", "CFR"]}))
    _, listed = await client.call("GET", f"/fax/{fax['faxId']}/attempts")
    a = listed["attempts"][0]
    assert a["attemptNumber"] == 1 and a["modem"] == "modem3" and a["inProgress"] is False
    assert a["outcome"] == "line_dropped" and a["failedReason"] == "The line dropped during page 2."
    assert (a["pagesConfirmed"], a["pagesTotal"], a["remoteIdent"], a["bitRate"], a["coding"], a["ecm"]) == (
        1, 2, "+49 30 1234", 9600, "MR", True)
    code, detail = await client.call("GET", f"/fax/{fax['faxId']}/attempts/{claim.attempt_id}")
    assert code == 200 and detail["details"] == {"trace": ["DIS", "DCS", "TCF", "CFR"]}
    code, err = await client.call("GET", f"/fax/{fax['faxId']}/attempts/00000000-0000-4000-8000-000000000000")
    assert code == 404 and err["code"] == "attempt_not_found"
    _, got = await client.call("GET", f"/fax/{fax['faxId']}")
    assert got["faxStatus"] == "FaxRetryAttempted" and got["failedReason"] == "The line dropped during page 2."
    assert got["automaticRetriesLeft"] == 4 and got["attemptCount"] == 1


async def test_webhook_endpoints_create_list_delete(tenant):
    client = await tenant()
    code, ep = await client.call("POST", "/fax/webhook/endpoints", json={
        "url": "https://clinic.example/hooks/fax", "events": ["FaxSent", "FaxFailed"], "description": "EHR"})
    assert code == 201 and ep["secret"].startswith("whsec_") and ep["events"] == ["FaxFailed", "FaxSent"]
    code, all_ = await client.call("POST", "/fax/webhook/endpoints", json={"url": "http://10.0.0.5:8080/f"})
    assert code == 201 and "FaxWebhookUpdateFailed" in all_["events"]
    code, listed = await client.call("GET", "/fax/webhook/endpoints")
    assert code == 200 and [e["endpointId"] for e in listed["endpoints"]] == [ep["endpointId"], all_["endpointId"]]
    assert all("secret" not in e for e in listed["endpoints"])  # shown once only
    code, deleted = await client.call("DELETE", f"/fax/webhook/endpoints?endpointId={ep['endpointId']}")
    assert code == 200 and deleted["endpointId"] == ep["endpointId"]
    code, err = await client.call("DELETE", f"/fax/webhook/endpoints?endpointId={ep['endpointId']}")
    assert code == 404 and err["code"] == "endpoint_not_found"
    _, listed = await client.call("GET", "/fax/webhook/endpoints")
    assert [e["endpointId"] for e in listed["endpoints"]] == [all_["endpointId"]]


async def test_every_status_change_is_in_the_outbox_in_order(tenant, store):
    client = await tenant()
    fax_id = await bring_to(client, store, "FaxRetry")
    events = [e for e in await store.outbox_after(0, 100000) if e["fax_id"] == fax_id]
    assert [e["type"] for e in events] == [
        "faxgw.fax.FaxReceived", "faxgw.fax.FaxAttemptInitiated", "faxgw.fax.FaxFailed", "faxgw.fax.FaxRetry"]
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    history = await store.history(fax_id)
    assert [h["status"] for h in history] == [e["type"].rsplit(".", 1)[1] for e in events]


async def test_docs_and_openapi_need_no_key(http, daemon):
    async with http.get(daemon.url + "/openapi.json") as r:
        assert r.status == 200 and (await r.json())["openapi"] == "3.1.0"
    async with http.get(daemon.url + "/docs") as r:
        page = await r.text()
        assert r.status == 200 and "/fax/{faxId}/revive" in page and "Revive a fax" in page


async def test_concurrent_submits_with_one_key_make_one_fax(tenant, daemon):
    """Same-key submits racing each other (and others in the same group commit)."""
    import asyncio

    client = await tenant()
    before = set(os.listdir(daemon.state_dir / "faxes"))
    results = await asyncio.gather(
        *(client.send("+15550001111", headers={"Idempotency-Key": "race-1"}) for _ in range(6)),
        # The same key with other requests: whichever wins, the others are refused.
        *(client.send(f"+1555000222{i}", headers={"Idempotency-Key": "race-2"}) for i in range(4)),
        *(client.send(headers={"Idempotency-Key": f"other-{i}"}) for i in range(6)))
    same, mixed, others = results[:6], results[6:10], results[10:]
    assert sorted(code for code, _ in same).count(201) == 1
    assert all(code in (200, 201) for code, _ in same)
    assert len({fax["faxId"] for _, fax in same}) == 1
    assert sorted(code for code, _ in mixed) == [201, 422, 422, 422]
    winner = next(fax["faxId"] for code, fax in mixed if code == 201)
    assert all(body["faxId"] == winner for code, body in mixed if code == 422)
    assert all(code == 201 for code, _ in others) and len({f["faxId"] for _, f in others}) == 6
    # Exactly one folder per fax that exists: the losers' documents were removed.
    added = set(os.listdir(daemon.state_dir / "faxes")) - before
    assert added == {same[0][1]["faxId"], winner} | {f["faxId"] for _, f in others}


async def test_concurrent_submissions_validated_together_keep_their_own_answers(tenant, daemon):
    """Submissions that arrive together are validated in one batch (api/validation.py): a
    damaged document fails its own fax only, and each good fax counts its own pages."""
    import asyncio

    client = await tenant()
    damaged = b"%PDF-1.4\n%%EOF\n"  # a PDF header with nothing behind it
    docs = [(PDF,), (damaged,), (TEXT,), (PDF, TEXT), (damaged,), (PDF,)] * 2
    results = await asyncio.gather(*(client.send(docs=d) for d in docs))
    for d, (code, body) in zip(docs, results):
        if d == (damaged,):
            assert code in (415, 422) and body["document"] == 1, body
        else:
            assert code == 201, body
            assert body["pageCount"] == {(PDF,): 1, (TEXT,): 2, (PDF, TEXT): 3}[d]
