"""The admin's destinations over HTTP, on a real daemon and SQLite file: what the
scheduler learned is listed and read; an admin sets and locks it; tenants cannot see it;
bad input gets a clear 400 and changes nothing. And a fax's recipient-check fields."""

from __future__ import annotations

import pytest

from faxgw.api.access import new_admin_key
from faxgw.store import Destination

ADMIN_KEY, ADMIN_SHA = new_admin_key()


@pytest.fixture(scope="module")
def daemon(tmp_path_factory, daemon_class):
    d = daemon_class(tmp_path_factory.mktemp("destinations"), '[dialplan]\ncountry_code = "1"\n'
                     'national_prefix = "1"\n')
    text = d.config.read_text().replace("[server]\n", f'[server]\nadmin_key_sha256 = "{ADMIN_SHA}"\n', 1)
    d.config.write_text(text)
    d.start()
    yield d
    d.stop()


async def admin(http, daemon, method, path, **kw) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    async with http.request(method, daemon.url + path, headers=headers, **kw) as r:
        return r.status, await r.json()


async def test_learned_values_are_listed_read_and_set_and_locked_by_the_admin(http, daemon, store):
    await store.save_destination(Destination(number="15550100", remote_csi="+1 555 0100",
                                             start_bit_rate=9600, tcf_failures=3))
    status, body = await admin(http, daemon, "GET", "/admin/destinations")
    assert status == 200 and [d["number"] for d in body["destinations"]] == ["15550100"]
    # Compared by digits: "+1 (555) 0100" and the national "1 555 0100" are the same number.
    for spelled in ("+1%20(555)%200100", "1-555-0100"):
        status, one = await admin(http, daemon, "GET", f"/admin/destinations/{spelled}")
        assert status == 200 and one["number"] == "15550100", one
    assert one["next"]["startBitRate"] == 9600 and one["trouble"]["tcf"]["count"] == 3
    status, put = await admin(http, daemon, "PUT", "/admin/destinations/+15550100",
                              json={"startBitRate": 14400, "ecm": False,
                                    "pinnedCsi": " +1 555 0100 ", "locked": True})
    assert status == 200, put
    assert put["next"] == {"startBitRate": 14400, "ecm": False, "pinnedCsi": "+1 555 0100"}
    assert put["locked"] is True and put["remote"]["csi"] == "+1 555 0100"  # learned kept
    stored = await store.destination("15550100")
    assert (stored.start_bit_rate, stored.ecm, stored.locked) == (14400, False, True)


async def test_a_number_never_called_can_be_pinned_beforehand_and_unknown_ones_are_404(
        http, daemon, store):
    status, _ = await admin(http, daemon, "GET", "/admin/destinations/+15550177")
    assert status == 404
    status, put = await admin(http, daemon, "PUT", "/admin/destinations/+15550177",
                              json={"pinnedCsi": "+1 555 0177", "locked": True})
    assert status == 200 and put["calls"] == 0
    assert (await store.destination("15550177")).pinned_csi == "+1 555 0177"


@pytest.mark.parametrize("body, code", [
    ({"startBitRate": 13000}, "invalid_start_bit_rate"),
    ({"ecm": "no"}, "invalid_ecm"),
    ({"pinnedCsi": "x" * 21}, "invalid_expected_csi"),
    ({"colour": "red"}, None),
])
async def test_bad_bodies_are_refused_and_change_nothing(http, daemon, store, body, code):
    await store.save_destination(Destination(number="15550188", start_bit_rate=9600))
    status, answer = await admin(http, daemon, "PUT", "/admin/destinations/+15550188", json=body)
    assert status == 400, answer
    if code:
        assert answer["code"] == code
    assert (await store.destination("15550188")).start_bit_rate == 9600


async def test_tenants_and_no_key_get_401_and_bad_numbers_400(http, daemon, tenant):
    client = await tenant("nosy")
    status, _ = await client.call("GET", "/admin/destinations")
    assert status == 401
    async with http.get(daemon.url + "/admin/destinations") as r:
        assert r.status == 401
    status, body = await admin(http, daemon, "GET", "/admin/destinations/abc")
    assert status == 400 and body["code"] == "invalid_number"
    status, body = await admin(http, daemon, "GET", "/admin/destinations?limit=0")
    assert status == 400 and body["code"] == "invalid_limit"


async def test_a_fax_asks_to_verify_its_recipient_and_bad_fields_are_refused(tenant, store):
    client = await tenant("pinning")
    status, fax = await client.send(verifyRecipient="true", expectedCsi="+1 555 0100")
    assert status == 201, fax
    row = await store.fax_row(fax["faxId"])
    assert (row["verify_recipient"], row["expected_csi"]) == (1, "+1 555 0100")
    status, body = await client.send(verifyRecipient="yes")
    assert status == 400 and body["code"] == "invalid_verify_recipient"
    status, body = await client.send(expectedCsi="+1 555 0100")  # without verifying
    assert status == 400 and body["code"] == "invalid_expected_csi"
    status, body = await client.send(verifyRecipient="true", expectedCsi="x" * 21)
    assert status == 400 and body["code"] == "invalid_expected_csi"
