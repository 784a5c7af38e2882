"""Where the API silently did something else than asked: a retry with adjustments, a filter
that filtered nothing, an unknown coverPage key, an error naming no culprit; and the names
an answer uses (camelCase everywhere, every error field in the Error schema)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from faxgw.store import AttemptResult

ROOT = Path(__file__).resolve().parents[3]


async def test_a_retry_with_a_body_is_refused(tenant, store):
    client = await tenant()
    status, fax = await client.send()
    assert status == 201
    status, body = await client.call("PUT", f"/fax/{fax['faxId']}/retry",
                                     json={"phoneNumber": "+15550199"})
    assert status == 400 and body["code"] == "unexpected_body", body


async def test_listing_endpoints_filters_by_endpoint_id(tenant):
    client = await tenant()
    made = []
    for n in range(2):
        status, body = await client.call("POST", "/fax/webhook/endpoints",
                                         json={"url": f"https://example.com/hook{n}"})
        assert status == 201, body
        made.append(body["endpointId"])
    status, body = await client.call("GET", f"/fax/webhook/endpoints?endpointId={made[1]}")
    assert status == 200 and [e["endpointId"] for e in body["endpoints"]] == [made[1]], body


async def test_an_unknown_cover_page_key_is_refused_like_an_unknown_field(tenant):
    client = await tenant()
    status, body = await client.send(coverPage=json.dumps({"to": "Dr. Who", "subjetc": "typo"}))
    assert status == 400 and body["code"] == "invalid_cover_page" and "subjetc" in body["message"], body


async def test_invalid_events_names_the_bad_event(tenant):
    client = await tenant()
    status, body = await client.call("POST", "/fax/webhook/endpoints",
                                     json={"url": "https://example.com/h", "events": ["FaxSent", "FaxSnet"]})
    assert status == 400 and body["code"] == "invalid_events", body
    assert "FaxSnet" in body["message"] and body["event"] == '"FaxSnet"', body


async def test_attempt_details_are_camel_case(tenant, store):
    client = await tenant()
    _, fax = await client.send()
    claim = await store.start_attempt(fax["faxId"], "m1")
    await store.finish_attempt(claim.attempt_id, AttemptResult(
        success=True, outcome="success", details={"modem_class": "1", "ecm_counters": {"ecm_frames": 3},
                                                  "pagesAttempted": [1], "trace": [{"kind": "DIS"}]}))
    status, body = await client.call("GET", f"/fax/{fax['faxId']}/attempts")
    details = body["attempts"][0]["details"]
    assert details == {"modemClass": "1", "ecmCounters": {"ecmFrames": 3}, "pagesAttempted": [1],
                       "trace": [{"kind": "DIS"}]}, details


def _error_fields_in_source() -> set[str]:
    names = {"document"}  # set by errors.document_error from the DocumentError
    for path in (ROOT / "faxgw").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                fn = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if fn in ("ApiError", "bad_request", "error_response"):
                    names |= {k.arg for k in node.keywords if k.arg}
    return names


async def test_the_error_schema_has_every_field_an_error_carries(http, daemon):
    async with http.get(daemon.url + "/openapi.json") as r:
        spec = await r.json()
    documented = set(spec["components"]["schemas"]["Error"]["properties"])
    assert _error_fields_in_source() <= documented, _error_fields_in_source() - documented
