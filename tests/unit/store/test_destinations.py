"""Destinations on a real SQLite file: saved, read back, listed; numbers keyed by digits;
a fax's request to verify its recipient stored with the fax."""

from __future__ import annotations

import pytest

from faxgw.store import Destination, Document, NewFax, Store, destination_key
from faxgw.store.destinations import destination_object


@pytest.fixture
async def store(tmp_path):
    s = await Store.open(tmp_path)
    yield s
    await s.close()


async def test_a_destination_round_trips_through_the_file_and_lists_in_number_order(store):
    d = Destination(number="15550100", remote_csi="+1 555 0100", remote_nsf="b50020",
                    remote_vendor="Conexant", remote_capabilities=("fine", "V.17 14400"),
                    last_bit_rate=9600, last_coding="MR", last_ecm=False,
                    start_bit_rate=9600, ecm=False, pinned_csi="+1 555 0100", locked=True,
                    calls=2, successes=1, tcf_failures=3, last_tcf_failure_ms=1000)
    saved = await store.save_destination(d)
    assert saved.updated_ms > 0
    back = await store.destination("15550100")
    assert back == d and back.updated_ms == saved.updated_ms
    await store.save_destination(Destination(number="15550099"))
    assert [x.number for x in await store.destinations()] == ["15550099", "15550100"]
    assert [x.number for x in await store.destinations(after="15550099")] == ["15550100"]
    assert await store.destination("0000") is None
    obj = destination_object(back)
    assert obj["next"] == {"startBitRate": 9600, "ecm": False, "pinnedCsi": "+1 555 0100"}
    assert obj["trouble"]["tcf"]["count"] == 3 and obj["locked"] is True


async def test_saving_again_replaces_the_row(store):
    await store.save_destination(Destination(number="4930", calls=1))
    await store.save_destination(Destination(number="4930", calls=2, ecm=False))
    d = await store.destination("4930")
    assert (d.calls, d.ecm) == (2, False)


def test_numbers_are_keyed_by_digits_in_e164_where_the_country_is_known():
    assert destination_key("+1 (555) 010-0") == "15550100"
    assert destination_key("030 1234", "49", "0") == "49301234"
    assert destination_key("+49 30 1234", "49", "0") == "49301234"
    assert destination_key("555-0100") == "5550100"  # no country code: digits as given


async def test_a_fax_keeps_its_recipient_check_request(store):
    tenant, _ = await store.create_tenant("t")
    doc = Document(1, "pdf", "a.pdf", 10, "0" * 64, "faxes/x/1.pdf")
    fax_id = "00000000-0000-4000-8000-000000000001"
    await store.submit(NewFax(fax_id, tenant, "+15550100", [doc], verify_recipient=True,
                              expected_csi="+1 555 0100"))
    row = await store.fax_row(fax_id)
    assert row["verify_recipient"] == 1 and row["expected_csi"] == "+1 555 0100"
    other = "00000000-0000-4000-8000-000000000002"
    await store.submit(NewFax(other, tenant, "+15550100", [doc]))
    row = await store.fax_row(other)
    assert row["verify_recipient"] == 0 and row["expected_csi"] is None
