"""The store of received faxes: a row when a call is answered, a row per page as
it arrives, the end of the call, and what the API does with them. Every change that tells
the tenant something writes its outbox event in the same transaction (as status changes of
sent faxes do), so a crash loses no webhook. Tables: migration 0004; SQL: received.sql.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

import aiosqlite

from faxgw.phone import digits
from faxgw.store.received_objects import FAX_FAILED, FAX_RECEIVED, PAGE_RECEIVED, received_object
from faxgw.store.received_statuses import RECEIVED_MOVES, ReceivedStatus
from faxgw.store.changes import outbox_event
from faxgw.store.db import Database, load_queries, many, one
from faxgw.store.rows import now_ms

FAR_FUTURE_MS = 2**62


Q = load_queries("received.sql")


@dataclass(frozen=True)
class NewCall:
    id: str
    modem: str
    tenant_id: str | None
    routed_by: str
    folder: str  # relative to the state directory
    called_number: str | None = None
    caller_number: str | None = None
    caller_name: str | None = None


@dataclass(frozen=True)
class PageRow:
    page: int  # 1-based
    resolution: str
    coding: str
    width_px: int
    height_px: int
    total_lines: int
    bad_lines: int
    ecm: bool


@dataclass(frozen=True)
class ReceivedCallEnd:
    status: str  # a ReceivedStatus the call may end in (faxgw/store/received_statuses.py)
    partial_reason: str | None
    outcome: str
    remote_ident: str | None
    bit_rate: int | None
    resolution: str | None
    coding: str | None
    ecm: bool | None
    details: dict


@dataclass(frozen=True)
class ReceivedQuery:
    tenant_id: str | None  # None with unrouted: the admin's view
    unrouted: bool = False
    since_ms: int = 0
    before_ms: int = FAR_FUTURE_MS
    sender: str | None = None  # part of the TSI or caller number
    unread_only: bool = False
    after: tuple[int, str] = (-1, "")
    limit: int = 100


class ReceivedStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- the call (the scheduler's receiver) -----------------------------------------------
    async def tenant_exists(self, tenant_id: str) -> bool:
        return await self.db.fetchone(Q["tenant_exists"], {"tenant_id": tenant_id}) is not None

    async def begin(self, call: NewCall) -> None:
        async with self.db.write() as conn:
            await conn.execute(Q["received_insert"], {**call.__dict__, "now": now_ms()})

    async def add_page(self, received_id: str, page: PageRow, event_pages: list[int],
                       recovered: bool = False) -> None:
        """The page is on disk: its row, and one event per page of ``event_pages``.
        ``recovered``: found on disk after a crash; a row already there is kept."""
        now = now_ms()
        async with self.db.write() as conn:
            await conn.execute(Q["page_insert_missing" if recovered else "page_insert"], {**page.__dict__, "received_id": received_id,
                                                  "now": now})
            await conn.execute(Q["page_count_update"], {
                "id": received_id, "resolution": page.resolution, "coding": page.coding,
                "ecm": page.ecm})
            for number in event_pages:
                await self._event(conn, received_id, PAGE_RECEIVED, now, {"page": number})

    async def finish(self, received_id: str, end: ReceivedCallEnd) -> dict | None:
        """The call is over: the record, and InboundFaxReceived (or Failed). None when the
        call was already finished (e.g. by the recovery of a crashed run)."""
        RECEIVED_MOVES.move(ReceivedStatus.RECEIVING, end.status)  # the SQL's WHERE
        now = now_ms()
        params = {**end.__dict__, "id": received_id, "now": now,
                  "details": json.dumps(end.details, separators=(",", ":"))}
        async with self.db.write() as conn:
            row = await one(conn, Q["received_finish"], params)
            if row is None:
                return None
            name = FAX_RECEIVED if row["page_count"] else FAX_FAILED
            return await self._event(conn, received_id, name, now)

    async def open_calls(self) -> list[Mapping[str, Any]]:
        """Calls still marked receiving: at start, those a crash interrupted."""
        return await self.db.fetchall(Q["received_open"])

    # --- the API ----------------------------------------------------------------------------
    async def get(self, tenant_id: str | None, received_id: str,
                  with_session: bool = False) -> dict | None:
        """The fax if it belongs to ``tenant_id`` (None: one kept for the admin) and is
        not archived; None otherwise, whichever the reason (no existence leak)."""
        row = await self.db.fetchone(Q["received_get"], {"id": received_id})
        if row is None or row["tenant_id"] != tenant_id or row["archived_ms"] is not None:
            return None
        pages = await self.db.fetchall(Q["pages_of"], {"id": received_id})
        return {"row": dict(row), "object": received_object(row, pages, with_session)}

    async def search(self, query: ReceivedQuery) -> tuple[list[dict], tuple[int, str] | None]:
        """One page of objects, and the keyset of the last one when more follow."""
        params = {
            "tenant_id": query.tenant_id, "unrouted": int(query.unrouted),
            "since_ms": query.since_ms, "before_ms": query.before_ms,
            "sender": None if query.sender is None else f"%{_like(query.sender)}%",
            "sender_digits": _digits_pattern(query.sender),
            "unread": int(query.unread_only), "after_ms": query.after[0],
            "after_id": query.after[1], "limit": query.limit + 1,
        }
        rows = await self.db.fetchall(Q["received_search"], params)
        more = len(rows) > query.limit
        rows = rows[:query.limit]
        pages: dict[str, list] = {}
        if rows:
            ids = json.dumps([row["id"] for row in rows])
            for page in await self.db.fetchall(Q["pages_of_many"], {"ids": ids}):
                pages.setdefault(page["received_id"], []).append(page)
        objects = [received_object(row, pages.get(row["id"], [])) for row in rows]
        last = (rows[-1]["started_ms"], rows[-1]["id"]) if more else None
        return objects, last

    async def mark_read(self, tenant_id: str, received_id: str) -> bool:
        async with self.db.write() as conn:
            row = await one(conn, Q["received_mark_read"],
                            {"id": received_id, "tenant_id": tenant_id, "now": now_ms()})
        return row is not None

    async def delete(self, tenant_id: str, received_id: str) -> str | None:
        """Deletes the record (its pages' rows go with it); returns its folder to remove."""
        async with self.db.write() as conn:
            row = await one(conn, Q["received_delete"], {"id": received_id, "tenant_id": tenant_id})
        return None if row is None else row["folder"]

    async def assign(self, received_id: str, tenant_id: str) -> dict | None:
        """The admin gives a fax nobody's rule matched to a tenant, who is then told."""
        async with self.db.write() as conn:
            row = await one(conn, Q["received_assign"], {"id": received_id, "tenant_id": tenant_id})
            if row is None:
                return None
            if row["status"] != ReceivedStatus.RECEIVING:
                name = FAX_RECEIVED if row["page_count"] else FAX_FAILED
                return await self._event(conn, received_id, name, now_ms())
            pages = await many(conn, Q["pages_of"], {"id": received_id})
            return received_object(row, pages)

    async def _event(self, conn: aiosqlite.Connection, received_id: str, name: str, now: int,
                     extra: dict | None = None) -> dict:
        return await _event(self.db.q["outbox_insert"], conn, received_id, name, now, extra)

    # --- archive and retention (faxgw/archive.py) ---------------------------------------------
    async def archive_ended(self, before_ms: int, limit: int = 500) -> int:
        async with self.db.write() as conn:
            cur = await conn.execute(Q["received_archive"],
                                     {"before_ms": before_ms, "limit": limit, "now": now_ms()})
            return cur.rowcount

    async def purge_candidates(self, before_ms: int, limit: int = 100) -> list[Mapping[str, Any]]:
        return await self.db.fetchall(Q["received_purge_candidates"],
                                      {"before_ms": before_ms, "limit": limit})

    async def mark_purged(self, received_id: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(Q["received_mark_purged"], {"id": received_id, "now": now_ms()})


def _digits_pattern(sender: str | None) -> str | None:
    """A filter written as a number is also compared by its digits alone (a TSI is spaced as
    the far machine likes); a filter with letters in it (a station name) is not."""
    if sender is None or any(c.isalpha() for c in sender):
        return None
    found = digits(sender)
    return f"%{found}%" if len(found) >= 3 else None


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _event(outbox_insert: str, conn: aiosqlite.Connection, received_id: str, name: str,
                 now: int, extra: dict | None = None) -> dict:
    """An outbox event of the received fax (when it has a tenant to tell); returns the
    fax object it carries. The outbox's fax_id holds the receivedId (migration 0004)."""
    row = await one(conn, Q["bump_seq"], {"id": received_id})
    pages = await many(conn, Q["pages_of"], {"id": received_id})
    data = {**received_object(row, pages), **(extra or {})}
    if row["tenant_id"] is None:
        return data  # kept for the admin: nobody to tell until it is assigned
    source = f"/faxgw/tenants/{row['tenant_id']}/received/{received_id}"
    await conn.execute(outbox_insert, outbox_event(row["tenant_id"], received_id, source, name,
                                                   row["event_seq"], now, data))
    return data
