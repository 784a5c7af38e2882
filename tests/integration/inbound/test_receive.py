"""Receiving as a product, end to end: efax sends through hw-sim to the daemon, each fax
lands in the right tenant (by line, by called number, or with the admin), its pages are
pixel-exact with what efax sent, downloads open in Pillow and pypdfium2, a signed webhook
arrives, and no tenant can reach another's received faxes through any endpoint."""

from __future__ import annotations

import asyncio
import io
import time

import numpy as np
import pypdfium2
from PIL import Image

from faxgw.api.openapi import spec
from tests.hwsim.efaxrun import expected_received, make_pages
from tests.integration.webhooks.receiver import Receiver

from .conftest import PAGE_EVENTS_FROM, Box


class Tenant:
    def __init__(self, http, box: Box, key: str) -> None:
        self.http, self.url, self.key = http, box.daemon.url, key

    async def raw(self, method: str, path: str, **kw) -> tuple[int, bytes, str]:
        headers = {"Authorization": f"Bearer {self.key}"}
        async with self.http.request(method, self.url + path, headers=headers, **kw) as r:
            return r.status, await r.read(), r.content_type

    async def call(self, method: str, path: str, **kw) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.key}"}
        async with self.http.request(method, self.url + path, headers=headers, **kw) as r:
            return r.status, await r.json()

    async def search(self, **body) -> list[dict]:
        status, found = await self.call("POST", "/received/search", json=body)
        assert status == 200, found
        return found["receivedFaxes"]

    async def wait_for(self, count: int, timeout: float = 60, **body) -> list[dict]:
        """The tenant's finished received faxes, once there are ``count`` of them."""
        deadline = time.monotonic() + timeout
        while True:
            done = [f for f in await self.search(**body) if f["status"] != "receiving"]
            if len(done) >= count:
                return done
            assert time.monotonic() < deadline, f"{len(done)} fax(es) after {timeout} s"
            await asyncio.sleep(0.1)


def tenants(http, box: Box) -> tuple[Tenant, Tenant, Tenant]:
    admin = Tenant(http, box, box.admin_key)
    return (Tenant(http, box, box.tenants["A"][1]), Tenant(http, box, box.tenants["B"][1]), admin)


async def send(efax, box: Box, sender: str, number: str, pages) -> None:
    pair = efax(sender)
    result = await asyncio.to_thread(pair.send, box.sender(sender), number, [p for p, _ in pages])
    assert result.returncode == 0, result.log[-2000:]


def conforms(value: dict, schema: str) -> None:
    """``value`` matches the daemon's own OpenAPI document (what schemathesis cannot reach:
    it has no received fax to look at)."""
    import jsonschema_rs  # comes with schemathesis (the test extra); jsonschema does not

    document = spec()
    root = {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
    jsonschema_rs.Draft202012Validator(root).validate(value)


def ink(png: bytes) -> np.ndarray:
    return ~np.asarray(Image.open(io.BytesIO(png)).convert("1"), dtype=bool)


async def test_two_calls_at_once_land_in_their_tenants_pixel_exact_and_signed(box, http, efax, tmp_path):
    a, b, admin = tenants(http, box)
    receiver = await Receiver(secrets=[]).start()
    try:
        status, endpoint = await b.call("POST", "/fax/webhook/endpoints", json={
            "url": receiver.url, "events": ["InboundFaxReceived", "InboundFaxPageReceived"]})
        assert status == 201, endpoint
        receiver.secrets.append(endpoint["secret"])
        fine = make_pages(tmp_path, 2, lines=200, fine=True, seed=3)
        (tmp_path / "std").mkdir()
        standard = make_pages(tmp_path / "std", 1, lines=200, seed=4)
        # Two calls at once on two modems: s1 dials B's DID on in1, s2 dials the line in2 (A).
        await asyncio.gather(send(efax, box, "s1", "6101", fine),
                             send(efax, box, "s2", "6002", standard))
        [to_b] = await b.wait_for(1)
        [to_a] = await a.wait_for(1)

        assert (to_b["status"], to_b["routedBy"], to_b["modem"]) == ("received", "called_number", "in1")
        assert (to_b["calledNumber"], to_b["callerNumber"], to_b["senderIdent"]) == ("6101", "5001", "1001")
        assert to_b["pageCount"] == 2 and to_b["resolution"] == "fine" and not to_b["partial"]
        assert [p["badLines"] for p in to_b["pages"]] == [0, 0] and to_b["durationMs"] > 0
        assert (to_a["status"], to_a["routedBy"], to_a["modem"]) == ("received", "modem", "in2")
        assert to_a["calledNumber"] is None and to_a["callerNumber"] is None  # in2 reports none
        assert to_a["pageCount"] == 1 and to_a["resolution"] == "standard"

        for fax, client, made, is_fine in ((to_b, b, fine, True), (to_a, a, standard, False)):
            rid = fax["receivedId"]
            for n, (_, sent_ink) in enumerate(made, start=1):
                status, png, kind = await client.raw("GET", f"/received/{rid}/pages/{n}")
                assert status == 200 and kind == "image/png"
                want, got = expected_received(sent_ink, is_fine), ink(png)
                assert got.shape == want.shape and np.array_equal(got, want), f"page {n} differs"
            status, pdf, kind = await client.raw("GET", f"/received/{rid}/pdf")
            assert status == 200 and kind == "application/pdf"
            document = pypdfium2.PdfDocument(pdf)
            assert len(document) == len(made)
            width, _ = document[0].get_size()
            assert abs(width - 1728 / 204 * 72) < 1  # A4 width at its size on paper
            status, tiff, kind = await client.raw("GET", f"/received/{rid}/tiff")
            assert status == 200 and kind == "image/tiff"
            with Image.open(io.BytesIO(tiff)) as image:  # libtiff decodes the MH pages
                assert image.n_frames == len(made) and image.info["compression"] == "group3"
                image.seek(0)
                assert np.array_equal(~np.asarray(image.convert("1"), dtype=bool),
                                      expected_received(made[0][1], is_fine))

        status, full = await b.call("GET", f"/received/{to_b['receivedId']}?showSession=true")
        assert status == 200 and full["session"]["trace"] and full["session"]["remote_ident"] == "1001"
        conforms(full, "ReceivedFax")

        # The signed webhooks: every page of the (long) fax, then the fax.
        deadline = time.monotonic() + 20
        while len(receiver.accepted) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not receiver.rejected
        types = [(e.type, e.envelope["data"].get("page")) for e in receiver.accepted]
        assert types == [("com.faxgw.fax.InboundFaxPageReceived", 1),
                         ("com.faxgw.fax.InboundFaxPageReceived", 2),
                         ("com.faxgw.fax.InboundFaxReceived", None)]
        assert PAGE_EVENTS_FROM == 2
        assert {e.fax_id for e in receiver.accepted} == {to_b["receivedId"]}
        data = receiver.accepted[-1].envelope["data"]
        assert data["receivedId"] == to_b["receivedId"] and data["pageCount"] == 2
        status, listed = await b.call("GET", "/fax/events")  # the same events, as documented
        assert status == 200 and len(listed["events"]) == 3
        for event in listed["events"]:
            conforms(event, "CloudEvent")

        await tenants_cannot_reach_each_others_faxes(a, b, admin, to_a, to_b)

        # Mark read, then delete: the record and its files go.
        status, read = await b.call("PUT", f"/received/{to_b['receivedId']}/read")
        assert status == 200 and read["read"] and read["readOn"]
        assert [f["receivedId"] for f in await b.search(unreadOnly=True)] == []
        status, _ = await b.call("DELETE", f"/received/{to_b['receivedId']}")
        assert status == 200
        assert (await b.call("GET", f"/received/{to_b['receivedId']}"))[0] == 404
        assert not (box.daemon.state_dir / "received" / to_b["receivedId"]).exists()
        await b.call("DELETE", f"/fax/webhook/endpoints?endpointId={endpoint['endpointId']}")
    finally:
        await receiver.stop()


async def tenants_cannot_reach_each_others_faxes(a, b, admin, to_a, to_b) -> None:
    for intruder, fax in ((a, to_b), (b, to_a)):
        rid = fax["receivedId"]
        for method, path in (("GET", ""), ("GET", "/pdf"), ("GET", "/tiff"), ("GET", "/pages/1"),
                             ("PUT", "/read"), ("DELETE", "")):
            status, body, _ = await intruder.raw(method, f"/received/{rid}{path}")
            assert status == 404 and b"received_fax_not_found" in body, (method, path, status)
        assert rid not in [f["receivedId"] for f in await intruder.search()]
        status, events = await intruder.call("GET", "/fax/events")
        assert status == 200 and rid not in {e["subject"] for e in events["events"]}
    status, body = await a.call("GET", "/admin/received")  # a tenant key is not the admin's
    assert status == 401
    status, unrouted = await admin.call("GET", "/admin/received")
    assert status == 200
    assert not {to_a["receivedId"], to_b["receivedId"]} & {f["receivedId"] for f in unrouted["receivedFaxes"]}
    # Still there for their owners (the DELETE attempts above did nothing).
    assert (await b.call("GET", f"/received/{to_b['receivedId']}"))[0] == 200


async def test_a_fax_no_route_matches_is_kept_for_the_admin(box, http, efax, tmp_path):
    a, b, admin = tenants(http, box)
    pages = make_pages(tmp_path, 1, lines=120, seed=5)
    await send(efax, box, "s1", "6102", pages)
    deadline = time.monotonic() + 30
    while True:
        status, listed = await admin.call("GET", "/admin/received")
        kept = [f for f in listed["receivedFaxes"] if f["status"] != "receiving"]
        if kept or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    [fax] = kept
    assert fax["tenantId"] is None and fax["routedBy"] == "none" and fax["calledNumber"] == "6102"
    assert fax["pageCount"] == 1 and fax["status"] == "received"
    for tenant in (a, b):
        assert fax["receivedId"] not in [f["receivedId"] for f in await tenant.search()]
        assert (await tenant.call("GET", f"/received/{fax['receivedId']}"))[0] == 404
        assert (await tenant.raw("GET", f"/admin/received/{fax['receivedId']}/pdf"))[0] == 401
    status, pdf, kind = await admin.raw("GET", f"/admin/received/{fax['receivedId']}/pdf")
    assert status == 200 and kind == "application/pdf" and len(pypdfium2.PdfDocument(pdf)) == 1
    # The admin gives it to A, who then has it.
    status, given = await admin.call("PUT", f"/admin/received/{fax['receivedId']}/tenant",
                                     json={"tenantId": box.tenants["A"][0]})
    assert status == 200 and given["tenantId"] == box.tenants["A"][0] and given["routedBy"] == "admin"
    status, png, _ = await a.raw("GET", f"/received/{fax['receivedId']}/pages/1")
    assert status == 200 and np.array_equal(ink(png), expected_received(pages[0][1], False))
    # A's list, one fax a page: the cursor walks it whole, and is refused with other filters.
    everything = [f["receivedId"] for f in await a.search()]
    assert fax["receivedId"] in everything
    walked, cursor = [], None
    while True:
        status, page = await a.call("POST", "/received/search",
                                    json={"limit": 1, **({"cursor": cursor} if cursor else {})})
        assert status == 200, page
        walked += [f["receivedId"] for f in page["receivedFaxes"]]
        if (cursor := page["nextCursor"]) is None:
            break
        status, refused = await a.call("POST", "/received/search",
                                       json={"limit": 1, "cursor": cursor, "unreadOnly": True})
        assert status == 400 and refused["code"] == "cursor_mismatch", refused
    assert walked == everything


async def test_a_call_dropped_at_page_two_of_three_keeps_its_whole_pages(box, http, efax, tmp_path):
    a, _, _ = tenants(http, box)
    before = {f["receivedId"] for f in await a.search()}
    pages = make_pages(tmp_path, 3, lines=200, seed=6)
    box.bank.fault_next_call("6002", drop_during_page=2)
    pair = efax("s2")
    sent = await asyncio.to_thread(pair.send, box.sender("s2"), "6002", [p for p, _ in pages])
    assert sent.returncode != 0  # efax saw the line go
    deadline = time.monotonic() + 30
    while True:
        new = [f for f in await a.search() if f["receivedId"] not in before]
        if new and new[0]["status"] != "receiving":
            break
        assert time.monotonic() < deadline, new
        await asyncio.sleep(0.1)
    [fax] = new
    assert fax["status"] == "partial" and fax["partial"] and fax["partialReason"]
    assert fax["pageCount"] in (1, 2) and len(fax["pages"]) == fax["pageCount"]
    for n in range(1, fax["pageCount"] + 1):  # each kept page is whole and exact
        status, png, _ = await a.raw("GET", f"/received/{fax['receivedId']}/pages/{n}")
        assert status == 200 and np.array_equal(ink(png), expected_received(pages[n - 1][1], False))
    status, pdf, _ = await a.raw("GET", f"/received/{fax['receivedId']}/pdf")
    assert status == 200 and len(pypdfium2.PdfDocument(pdf)) == fax["pageCount"]
