"""Bad input: a JSON error with a code and a message, and nothing written."""

from __future__ import annotations

import os
import sqlite3

import aiohttp
import pytest

PDF = b"%PDF-1.4\n%%EOF\n"


def snapshot(daemon) -> tuple:
    """Rows of every table that a request could write, and the files under the state dir."""
    with sqlite3.connect(daemon.state_dir / "faxgw.sqlite3") as db:
        counts = tuple(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in
                       ("faxes", "fax_documents", "fax_history", "attempts", "outbox", "webhook_endpoints"))
    files = sorted(os.path.relpath(os.path.join(d, f), daemon.state_dir)
                   for d, _, fs in os.walk(daemon.state_dir) for f in fs if not f.startswith("faxgw.sqlite3"))
    return counts, files


def form(**fields) -> aiohttp.FormData:
    f = aiohttp.FormData(default_to_multipart=True)
    for name, value in fields.items():
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, bytes):
                f.add_field(name, v, filename="x.bin", content_type="application/pdf")
            else:
                f.add_field(name, v)
    return f


SEND_CASES = {
    "no phone": (dict(document=PDF), 400, "invalid_phone_number"),
    "empty phone": (dict(phoneNumber="", document=PDF), 400, "invalid_phone_number"),
    "letters": (dict(phoneNumber="call-me-maybe", document=PDF), 400, "invalid_phone_number"),
    "too long": (dict(phoneNumber="+1234567890123456", document=PDF), 400, "invalid_phone_number"),
    "star code": (dict(phoneNumber="*67 555 1234", document=PDF), 400, "invalid_phone_number"),
    "no document": (dict(phoneNumber="+15551234567"), 400, "missing_document"),
    "metadata not JSON": (dict(phoneNumber="+15551234567", metadata="{nope", document=PDF), 400, "invalid_metadata"),
    "metadata a list": (dict(phoneNumber="+15551234567", metadata='["a"]', document=PDF), 400, "invalid_metadata"),
    "metadata number value": (dict(phoneNumber="+15551234567", metadata='{"a": 1}', document=PDF), 400, "invalid_metadata"),
    "metadata nested": (dict(phoneNumber="+15551234567", metadata='{"a": {"b": "c"}}', document=PDF), 400, "invalid_metadata"),
    "bad resolution": (dict(phoneNumber="+15551234567", resolution="ultra", document=PDF), 400, "invalid_resolution"),
    "unknown field": (dict(phoneNumber="+15551234567", colour="red", document=PDF), 400, "unknown_field"),
    "phone twice": (dict(phoneNumber=["+15551234567", "+15557654321"], document=PDF), 400, "duplicate_field"),
    "empty document": (dict(phoneNumber="+15551234567", document=b""), 415, "document_empty"),
    "unknown document": (dict(phoneNumber="+15551234567", document=b"\x00\x01\x02garbage"), 415, "document_type_unknown"),
    "good then bad document": (dict(phoneNumber="+15551234567", document=[PDF, b"PK\x03\x04zip"]), 415,
                               "document_type_unknown"),
    "latin-1 text": (dict(phoneNumber="+15551234567", document="Grüße".encode("latin-1")), 415, "text_not_utf8"),
    # The header line and cover page are printed in the fax font: what it cannot draw is
    # refused at once, never faxed as "?" (Ethiopic is in neither DejaVu Sans Mono nor Courier).
    "unprintable header line": (dict(phoneNumber="+15551234567", headerLine="ሰላም Clinic", document=PDF),
                                422, "text_unprintable"),
    "unprintable cover page": (dict(phoneNumber="+15551234567", coverPage='{"subject": "ሰላም"}',
                                    document=PDF), 422, "text_unprintable"),
}


@pytest.mark.parametrize("case", sorted(SEND_CASES))
async def test_bad_send_is_refused_and_writes_nothing(tenant, daemon, case):
    client = await tenant()
    before = snapshot(daemon)
    fields, status, code = SEND_CASES[case]
    got, body = await client.call("POST", "/fax", data=form(**fields))
    assert (got, body["code"]) == (status, code)
    assert isinstance(body["message"], str) and body["message"]
    assert snapshot(daemon) == before


async def test_not_multipart_is_415(tenant, daemon):
    client = await tenant()
    before = snapshot(daemon)
    got, body = await client.call("POST", "/fax", json={"phoneNumber": "+15551234567"})
    assert (got, body["code"]) == (415, "not_multipart")
    assert snapshot(daemon) == before


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer fgw_not-a-key", "Basic dXNlcjpwdw==", "fgw_x"])
async def test_missing_or_wrong_key_is_401_everywhere(http, daemon, header):
    before = snapshot(daemon)
    headers = {} if header is None else {"Authorization": header}
    calls = [("POST", "/fax"), ("GET", "/fax/00000000-0000-4000-8000-000000000000"),
             ("DELETE", "/fax/00000000-0000-4000-8000-000000000000"), ("POST", "/fax/search"),
             ("PUT", "/fax/00000000-0000-4000-8000-000000000000/hold"), ("GET", "/fax/webhook/endpoints"),
             ("POST", "/fax/webhook/endpoints"), ("DELETE", "/fax/webhook/endpoints?endpointId=x")]
    for method, path in calls:
        async with http.request(method, daemon.url + path, headers=headers, data=form(phoneNumber="+15551234567", document=PDF) if path == "/fax" else None) as r:
            body = await r.json()
            assert (r.status, body["code"]) == (401, "unauthorized"), (method, path)
            assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(daemon) == before


SEARCH_CASES = {
    "neither key": ({"faxNumber": "+15551234567"}, "missing_search_key"),
    "empty body": ({}, "missing_search_key"),
    "bad date": ({"faxSentDate": "yesterday"}, "invalid_date"),
    "impossible date": ({"faxSentDate": "2024-02-30"}, "invalid_date"),
    "date not a string": ({"faxSentDate": 20240101}, "invalid_date"),
    "empty ids": ({"faxId": " , "}, "invalid_field"),
    "bad status": ({"faxSentDate": "2024-01-01", "faxStatus": "Done"}, "invalid_fax_status"),
    "history not bool": ({"faxSentDate": "2024-01-01", "showFaxStatusChangeHistory": "yes"}, "invalid_field"),
    "bad limit": ({"faxSentDate": "2024-01-01", "limit": 0}, "invalid_field"),
    "bad cursor": ({"faxSentDate": "2024-01-01", "cursor": "!!"}, "invalid_cursor"),
    "bad number": ({"faxSentDate": "2024-01-01", "faxNumber": "abc"}, "invalid_phone_number"),
    "unknown field": ({"faxSentDate": "2024-01-01", "tenantId": "x"}, "unknown_field"),
    "not an object": ([1, 2], "invalid_body"),
}


@pytest.mark.parametrize("case", sorted(SEARCH_CASES))
async def test_bad_search_is_400(tenant, case):
    client = await tenant()
    body, code = SEARCH_CASES[case]
    got, err = await client.call("POST", "/fax/search", json=body)
    assert (got, err["code"]) == (400, code) and err["message"]


async def test_search_body_not_json(tenant):
    client = await tenant()
    got, err = await client.call("POST", "/fax/search", data=b"{", headers={"Content-Type": "application/json"})
    assert (got, err["code"]) == (400, "invalid_json")


@pytest.mark.parametrize("fax_id", ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "search"])
async def test_unknown_fax_is_404_on_every_fax_endpoint(tenant, daemon, fax_id):
    client = await tenant()
    before = snapshot(daemon)
    bodies = []
    for method, suffix in [("GET", ""), ("DELETE", ""), ("PUT", "/retry"), ("PUT", "/hold"), ("PUT", "/revive"),
                           ("GET", "/attempts"), ("GET", "/attempts/00000000-0000-4000-8000-000000000000")]:
        got, body = await client.call(method, f"/fax/{fax_id}{suffix}")
        assert got == 404, (method, suffix)
        bodies.append(body)
    assert all(b == {"code": "fax_not_found", "message": "No fax with this faxId exists."} for b in bodies)
    assert snapshot(daemon) == before


WEBHOOK_CASES = {
    "no url": ({}, "invalid_url"),
    "ftp url": ({"url": "ftp://example.com/x"}, "invalid_url"),
    "no host": ({"url": "http:///x"}, "invalid_url"),
    "credentials": ({"url": "https://u:p@example.com/"}, "invalid_url"),
    "bad port": ({"url": "http://example.com:99999/"}, "invalid_url"),
    "unknown event": ({"url": "https://example.com/", "events": ["FaxExploded"]}, "invalid_events"),
    "empty events": ({"url": "https://example.com/", "events": []}, "invalid_events"),
    "unknown field": ({"url": "https://example.com/", "secret": "mine"}, "unknown_field"),
}


@pytest.mark.parametrize("case", sorted(WEBHOOK_CASES))
async def test_bad_webhook_endpoint_is_400_and_writes_nothing(tenant, daemon, case):
    client = await tenant()
    before = snapshot(daemon)
    body, code = WEBHOOK_CASES[case]
    got, err = await client.call("POST", "/fax/webhook/endpoints", json=body)
    assert (got, err["code"]) == (400, code)
    assert snapshot(daemon) == before


async def test_delete_webhook_without_id_is_400(tenant):
    client = await tenant()
    got, err = await client.call("DELETE", "/fax/webhook/endpoints")
    assert (got, err["code"]) == (400, "missing_endpoint_id")


async def test_unknown_route_and_method_are_json(tenant):
    client = await tenant()
    got, err = await client.call("GET", "/nothing/here")
    assert (got, err["code"]) == (404, "not_found")
    got, err = await client.call("PATCH", "/fax/search")
    assert (got, err["code"]) == (405, "method_not_allowed")
