"""Input any tenant can send that used to end in a 500 or pass validation only to fail at
dial time (the real daemon): each is a 4xx with a code, and nothing is written."""

from __future__ import annotations

import base64
import json
import sqlite3

import pytest

from tests.integration.api.test_bad_input import form, snapshot

PDF = b"%PDF-1.4\n%%EOF\n"
PHONE = "+15551234567"


def _cursor(created, fax_id="00000000-0000-4000-8000-000000000001", digest="0" * 16) -> str:
    raw = json.dumps([created, fax_id, digest]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


DEEP_BODIES = {
    "search": ("POST", "/fax/search"),
    "webhook": ("POST", "/fax/webhook/endpoints"),
    "received search": ("POST", "/received/search"),
}


@pytest.mark.parametrize("name", sorted(DEEP_BODIES))
async def test_deeply_nested_json_bodies_are_400(tenant, daemon, name):
    client = await tenant()
    method, path = DEEP_BODIES[name]
    before = snapshot(daemon)
    for body in ("[" * 50_000, "[" * 50_000 + "]" * 50_000, '{"a":' * 40 + "1" + "}" * 40):
        status, answer = await client.call(method, path, data=body, headers={"Content-Type": "application/json"})
        assert (status, answer["code"]) == (400, "json_too_deep"), answer
    assert snapshot(daemon) == before


async def test_deeply_nested_metadata_is_400(tenant, daemon):
    client = await tenant()
    before = snapshot(daemon)
    for metadata in ("[" * 20_000, "[" * 20_000 + "]" * 20_000):
        got, body = await client.call("POST", "/fax", data=form(phoneNumber=PHONE, metadata=metadata, document=PDF))
        assert (got, body["code"]) == (400, "invalid_metadata")
    assert snapshot(daemon) == before


@pytest.mark.parametrize("cursor", [
    base64.urlsafe_b64encode(b"[" * 5000).decode(),
    base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),
    _cursor(2 ** 70),
    _cursor(-(2 ** 70)),
    _cursor(-1),
], ids=["deep", "deep-closed", "huge", "huge-negative", "negative"])
@pytest.mark.parametrize("path", ["/fax/search", "/received/search"])
async def test_forged_cursors_are_400(tenant, cursor, path):
    client = await tenant()
    filters = {"faxSentDate": "2026-01-01"} if path == "/fax/search" else {}
    status, body = await client.call("POST", path, json={**filters, "cursor": cursor})
    assert (status, body["code"]) in ((400, "invalid_cursor"), (400, "cursor_mismatch")), body


@pytest.mark.parametrize("digits", ["²", "٣", "１"])
async def test_unicode_digits_are_400(tenant, digits):
    client = await tenant()
    _, fax = await client.send()
    status, body = await client.call("GET", f"/fax/events?limit={digits}")
    assert (status, body["code"]) == (400, "invalid_limit"), body
    status, body = await client.call("GET", f"/fax/{fax['faxId']}/pages/{digits}")
    assert (status, body["code"]) == (400, "invalid_page_number"), body
    status, body = await client.call("GET", f"/fax/{fax['faxId']}/events?limit={digits}")
    assert status in (400, 200) and (status == 200 or body["code"] == "invalid_limit"), body


@pytest.mark.parametrize("fields, code", [
    (dict(phoneNumber="+15550100\n"), "invalid_phone_number"),
    (dict(phoneNumber="+15550100\r"), "invalid_phone_number"),
    (dict(phoneNumber="5550100\n"), "invalid_phone_number"),
    (dict(phoneNumber="+1555\n0100"), "invalid_phone_number"),
    (dict(phoneNumber=PHONE, headerLine="ACME\n"), "invalid_header_line"),
    (dict(phoneNumber=PHONE, headerLine="ACME\r\n"), "invalid_header_line"),
    (dict(phoneNumber=PHONE, headerLine="AC\x00ME"), "invalid_header_line"),
])
async def test_trailing_and_embedded_control_characters_are_refused_at_submit(tenant, daemon, fields, code):
    client = await tenant()
    before = snapshot(daemon)
    got, body = await client.call("POST", "/fax", data=form(**fields, document=PDF))
    assert (got, body["code"]) == (400, code), body
    assert snapshot(daemon) == before


async def test_the_preview_of_a_stored_fax_with_a_bad_header_line_is_4xx(tenant, daemon):
    """A fax accepted before the header line was validated fully (its row says so)."""
    client = await tenant()
    status, fax = await client.send(headerLine="ACME")
    assert status == 201, fax
    with sqlite3.connect(daemon.state_dir / "faxgw.sqlite3") as db:
        db.execute("UPDATE faxes SET header_line = ? WHERE id = ?", ("ACME\n", fax["faxId"]))
    status, body = await client.call("GET", f"/fax/{fax['faxId']}/pages/1")
    assert (status, body["code"]) == (400, "invalid_header_line"), body
