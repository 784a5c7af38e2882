"""POST /fax/search: ids, dates, number, status, history, pagination, archived faxes."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from faxgw.store import AttemptResult


def set_created(daemon, fax_id: str, when: datetime) -> None:
    """Back-date a fax (the only way to have faxes of other days without waiting for them)."""
    ms = int(when.timestamp() * 1000)
    with sqlite3.connect(daemon.state_dir / "faxgw.sqlite3") as db:
        db.execute("UPDATE faxes SET created_ms = ?, updated_ms = ? WHERE id = ?", (ms, ms, fax_id))


async def test_by_ids_comma_separated(tenant):
    c = await tenant()
    ids = [(await c.send())[1]["faxId"] for _ in range(3)]
    code, res = await c.search(faxId=f"{ids[0]}, {ids[2]},00000000-0000-4000-8000-000000000000")
    assert code == 200 and sorted(f["faxId"] for f in res["faxes"]) == sorted([ids[0], ids[2]])
    assert res["nextCursor"] is None


async def test_by_sent_date_on_or_after_date_and_datetime(tenant, daemon):
    c = await tenant()
    days = {}
    for day in (10, 11, 12):
        _, fax = await c.send()
        set_created(daemon, fax["faxId"], datetime(2024, 11, day, 8, 30, tzinfo=timezone.utc))
        days[day] = fax["faxId"]
    _, res = await c.search(faxSentDate="2024-11-11")
    assert [f["faxId"] for f in res["faxes"]] == [days[11], days[12]]
    assert res["faxes"][0]["createdOn"] == "2024-11-11T08:30:00.000Z"
    _, res = await c.search(faxSentDate="2024-11-11T08:30:00.001Z")
    assert [f["faxId"] for f in res["faxes"]] == [days[12]]
    _, res = await c.search(faxSentDate="2024-11-11T09:30:00+01:00")  # the same instant
    assert [f["faxId"] for f in res["faxes"]] == [days[11], days[12]]
    _, res = await c.search(faxSentDate="2024-11-11", faxSentDateBefore="2024-11-12")
    assert [f["faxId"] for f in res["faxes"]] == [days[11]]


async def test_by_number_and_status_narrow_the_date(tenant, store):
    c = await tenant()
    _, a = await c.send("+49 30 111111")
    _, b = await c.send("+4930111111")
    _, other = await c.send("+4930222222")
    await c.call("PUT", f"/fax/{b['faxId']}/hold")
    _, res = await c.search(faxSentDate="2000-01-01", faxNumber="+49-30-111111")
    assert sorted(f["faxId"] for f in res["faxes"]) == sorted([a["faxId"], b["faxId"]])
    _, res = await c.search(faxSentDate="2000-01-01", faxStatus="FaxHeld")
    assert [f["faxId"] for f in res["faxes"]] == [b["faxId"]]
    _, res = await c.search(faxSentDate="2000-01-01", faxStatus="FaxHeld,FaxReceived")
    assert len(res["faxes"]) == 3


async def test_webhook_failed_is_found_by_status_without_replacing_it(tenant, store):
    c = await tenant()
    _, fax = await c.send()
    claim = await store.start_attempt(fax["faxId"], "modem0")
    await store.finish_attempt(claim.attempt_id, AttemptResult(success=True, outcome="sent"))
    assert await store.mark_webhook_failed(fax["faxId"], "https://x.example answered 500 for 24 h")
    assert not await store.mark_webhook_failed(fax["faxId"], "again")  # recorded once
    _, res = await c.search(faxSentDate="2000-01-01", faxStatus="FaxWebhookUpdateFailed",
                            showFaxStatusChangeHistory=True)
    [found] = res["faxes"]
    assert found["faxStatus"] == "FaxSent" and found["webhookFailed"] is True
    assert [h["faxStatus"] for h in found["statusHistory"]] == [
        "FaxReceived", "FaxAttemptInitiated", "FaxSent", "FaxWebhookUpdateFailed"]


async def test_history_only_on_request(tenant):
    c = await tenant()
    _, fax = await c.send()
    await c.call("PUT", f"/fax/{fax['faxId']}/hold")
    _, res = await c.search(faxId=fax["faxId"])
    assert "statusHistory" not in res["faxes"][0]
    _, res = await c.search(faxId=fax["faxId"], showFaxStatusChangeHistory=True)
    history = res["faxes"][0]["statusHistory"]
    assert [h["faxStatus"] for h in history] == ["FaxReceived", "FaxHeld"]
    assert history[0]["changedOn"] <= history[1]["changedOn"]


async def test_pagination_visits_every_fax_once(tenant):
    c = await tenant()
    ids = {(await c.send())[1]["faxId"] for _ in range(7)}
    seen, cursor, pages = [], None, 0
    while True:
        body = {"faxSentDate": "2000-01-01", "limit": 3, **({"cursor": cursor} if cursor else {})}
        code, res = await c.search(**body)
        assert code == 200 and len(res["faxes"]) <= 3
        seen += [f["faxId"] for f in res["faxes"]]
        pages += 1
        cursor = res["nextCursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 7 and set(seen) == ids


async def test_a_cursor_only_works_with_the_filters_it_came_from(tenant):
    c = await tenant()
    for number in ("+4930111", "+4930111", "+4930111", "+4930222"):
        await c.send(number)
    query = {"faxSentDate": "2000-01-01", "faxNumber": "+49 30 111"}
    code, first = await c.search(**query, limit=2)
    assert code == 200 and len(first["faxes"]) == 2 and first["nextCursor"]
    cursor = first["nextCursor"]
    # The same filters, written another way, with another page size and histories: fine.
    code, rest = await c.search(faxSentDate="2000-01-01T00:00:00Z", faxNumber="+4930111", limit=50,
                                showFaxStatusChangeHistory=True, cursor=cursor)
    assert code == 200 and [f["phoneNumber"] for f in rest["faxes"]] == ["+4930111"]
    for other in ({"faxSentDate": "2000-01-01"}, {**query, "faxNumber": "+4930222"},
                  {**query, "faxSentDate": "2000-01-02"}, {**query, "faxStatus": "FaxReceived"},
                  {**query, "faxSentDateBefore": "2100-01-01"}):
        code, err = await c.search(**other, cursor=cursor)
        assert (code, err["code"], err["field"]) == (400, "cursor_mismatch", "cursor"), other
        assert "filters" in err["message"]
    other_tenant = await tenant("other")
    code, err = await other_tenant.search(**query, cursor=cursor)
    assert (code, err["code"]) == (400, "cursor_mismatch")


async def test_archived_fax_leaves_get_but_stays_in_search(tenant, store, daemon):
    from faxgw.archive import archive_once
    from faxgw.config import ArchiveConfig

    c = await tenant()
    _, done = await c.send()
    _, waiting = await c.send()
    await c.call("DELETE", f"/fax/{done['faxId']}")
    set_created(daemon, done["faxId"], datetime.now(timezone.utc) - timedelta(days=40))
    set_created(daemon, waiting["faxId"], datetime.now(timezone.utc) - timedelta(days=40))
    run = await archive_once(store, daemon.state_dir, ArchiveConfig(archive_after_days=30, purge_files_after_days=90))
    assert run.archived >= 1
    code, _ = await c.call("GET", f"/fax/{done['faxId']}")
    assert code == 404
    code, _ = await c.call("PUT", f"/fax/{done['faxId']}/retry")
    assert code == 404
    _, res = await c.search(faxId=f"{done['faxId']},{waiting['faxId']}")
    archived = {f["faxId"]: f["archived"] for f in res["faxes"]}
    # Only terminal faxes are archived: the queued one, however old, is still current.
    assert archived == {done["faxId"]: True, waiting["faxId"]: False}
    assert (daemon.state_dir / "faxes" / done["faxId"]).exists()  # files outlive archiving
    set_created(daemon, done["faxId"], datetime.now(timezone.utc) - timedelta(days=100))
    run = await archive_once(store, daemon.state_dir, ArchiveConfig(archive_after_days=30, purge_files_after_days=90))
    assert run.purged >= 1
    assert not (daemon.state_dir / "faxes" / done["faxId"]).exists()
    assert (daemon.state_dir / "faxes" / waiting["faxId"]).exists()
    _, res = await c.search(faxId=done["faxId"], showFaxStatusChangeHistory=True)
    assert res["faxes"][0]["archived"] and len(res["faxes"][0]["statusHistory"]) == 3  # records stay
