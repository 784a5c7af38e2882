"""Faxes: submission, reads, search, and the client actions (hold, revive, retry, stop)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from faxgw.lifecycle import Action, Status, TransitionRefused
from faxgw.store.batch import GroupCommit
from faxgw.store.changes import record_change, record_change_sync
from faxgw.store.db import Database, LookupBusy, one
from faxgw.store.rows import NewFax, now_ms


class NotFound(Exception):
    """No such fax for this tenant (or archived): the API answers 404 either way."""


@dataclass(frozen=True)
class SearchQuery:
    tenant_id: str
    fax_ids: list[str] | None = None
    since_ms: int | None = None
    before_ms: int | None = None
    fax_number: str | None = None
    statuses: list[str] | None = None
    after: tuple[int, str] | None = None  # keyset cursor: (created_ms, faxId) of the last row
    limit: int = 100
    with_history: bool = False


class FaxStore:
    db: Database
    max_automatic_retries: int
    _submissions: GroupCommit

    async def submit(self, fax: NewFax) -> tuple[dict, bool]:
        """Insert a fax whose documents are on disk. Returns (row, created).

        With an Idempotency-Key seen before, returns the first fax and created=False; the
        unique index decides between two concurrent submits with the same key.
        """
        if fax.idempotency_key:
            existing = await self.fax_by_idempotency_key(fax.tenant_id, fax.idempotency_key)
            if existing:
                return existing, False
        try:
            return await self._submissions.submit(fax), True
        except sqlite3.IntegrityError:
            existing = fax.idempotency_key and await self.fax_by_idempotency_key(
                fax.tenant_id, fax.idempotency_key)
            if existing:
                return existing, False
            raise

    async def _insert_batch(self, faxes: list[NewFax]) -> list[dict | Exception]:
        """One transaction for several submissions, a savepoint each (see store/batch.py),
        run whole in the writer thread: one thread trip per batch, not six per fax."""
        now = now_ms()
        return await self.db.write_batch(lambda conn: [self._insert_one(conn, fax, now) for fax in faxes])

    def _insert_one(self, conn: sqlite3.Connection, fax: NewFax, now: int) -> dict | Exception:
        q = self.db.q
        conn.execute("SAVEPOINT fax")
        try:
            row = conn.execute(q["fax_insert"], self._fax_params(fax, now)).fetchone()
            conn.executemany(q["document_insert"], [{"fax_id": fax.fax_id, **doc.__dict__} for doc in fax.documents])
            record_change_sync(conn, q, row, now)
        except sqlite3.IntegrityError as exc:  # this fax only (a duplicate Idempotency-Key)
            conn.execute("ROLLBACK TO fax")
            conn.execute("RELEASE fax")
            return exc
        conn.execute("RELEASE fax")
        return dict(row)

    def _fax_params(self, fax: NewFax, now: int) -> dict[str, Any]:
        return {
            "id": fax.fax_id,
            "tenant_id": fax.tenant_id,
            "phone_number": fax.phone_number,
            "phone_e164": fax.phone_e164 or fax.phone_number,
            "metadata": json.dumps(fax.metadata, separators=(",", ":")),
            "resolution": fax.resolution,
            "header_line": fax.header_line,
            "cover_page": None if fax.cover_page is None else json.dumps(fax.cover_page),
            "document_count": len(fax.documents),
            "auto_retries_left": self.max_automatic_retries,
            "idempotency_key": fax.idempotency_key,
            "request_sha256": fax.request_sha256,
            "page_count": fax.page_count,
            "verify_recipient": int(fax.verify_recipient),
            "expected_csi": fax.expected_csi,
            "now": now,
        }

    async def fax_by_idempotency_key(self, tenant_id: str, key: str) -> dict | None:
        row = await self.db.fetchone(
            self.db.q["fax_by_idempotency_key"], {"tenant_id": tenant_id, "key": key}
        )
        return dict(row) if row else None

    async def get_fax(self, tenant_id: str, fax_id: str) -> dict:
        """The fax as GET shows it: another tenant's or an archived fax is NotFound."""
        params = {"id": fax_id, "tenant_id": tenant_id}
        try:
            row = self.db.lookup(self.db.q["fax_get"], params)
        except LookupBusy:
            row = await self.db.fetchone(self.db.q["fax_get"], params)
        if row is None:
            raise NotFound(fax_id)
        return dict(row)

    async def fax_row(self, fax_id: str) -> dict | None:
        """Any fax by id, whatever its tenant: for workers, never for the API."""
        row = await self.db.fetchone(self.db.q["fax_get_any"], {"id": fax_id})
        return dict(row) if row else None

    async def existing_fax_ids(self, fax_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(fax_ids), 500):  # bounded statement size
            chunk = fax_ids[i:i + 500]
            rows = await self.db.fetchall(f"SELECT id FROM faxes WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            found.update(r["id"] for r in rows)
        return found

    async def documents(self, fax_id: str) -> list[dict]:
        return [dict(r) for r in await self.db.fetchall(self.db.q["fax_documents"], {"fax_id": fax_id})]

    async def history(self, fax_id: str) -> list[dict]:
        return [dict(r) for r in await self.db.fetchall(self.db.q["history_of"], {"fax_id": fax_id})]

    # -- client actions: each one conditional update, decided by the database --------------

    async def hold(self, tenant_id: str, fax_id: str) -> dict:
        return await self._act(Action.HOLD, "fax_hold", tenant_id, fax_id)

    async def revive(self, tenant_id: str, fax_id: str) -> dict:
        return await self._act(Action.REVIVE, "fax_revive", tenant_id, fax_id)

    async def retry(self, tenant_id: str, fax_id: str) -> dict:
        return await self._act(Action.RETRY, "fax_retry", tenant_id, fax_id, "retry requested by the client")

    async def stop(self, tenant_id: str, fax_id: str) -> dict:
        """FaxReceivedForCancel then FaxCancelled, in one transaction.

        Nothing of a queued or held fax is on a line (the claim would have moved it to
        FaxAttemptInitiated), so taking it out of the queue is complete at commit.
        """
        now = now_ms()
        params = {"id": fax_id, "tenant_id": tenant_id, "now": now}
        async with self.db.write() as conn:
            row = await one(conn, self.db.q["fax_stop"], params)
            if row is None:
                await self._refuse(conn, Action.STOP, params)
            await record_change(conn, self.db.q, row, now, "stop requested by the client")
            row = await one(conn, self.db.q["fax_cancel_done"], params)
            await record_change(conn, self.db.q, row, now, "removed from the queue")
        return dict(row)

    async def _act(self, action: Action, query: str, tenant_id: str, fax_id: str,
                   reason: str | None = None) -> dict:
        now = now_ms()
        params = {"id": fax_id, "tenant_id": tenant_id, "now": now}
        async with self.db.write() as conn:
            row = await one(conn, self.db.q[query], params)
            if row is None:
                await self._refuse(conn, action, params)
            await record_change(conn, self.db.q, row, now, reason)
        return dict(row)

    async def _refuse(self, conn, action: Action, params: dict) -> None:
        current = await one(conn, self.db.q["fax_status_of"], params)
        if current is None or current["archived_ms"] is not None:
            raise NotFound(params["id"])
        raise TransitionRefused(action, current["status"])

    # -- search ----------------------------------------------------------------------------

    async def search(self, s: SearchQuery) -> tuple[list[dict], dict[str, list[dict]], bool]:
        """One page of faxes (oldest first), their histories if asked, and whether more follow."""
        where, params = ["tenant_id = ?"], [s.tenant_id]
        if s.fax_ids is not None:
            where.append(f"id IN ({','.join('?' * len(s.fax_ids))})")
            params += s.fax_ids
        if s.since_ms is not None:
            where.append("created_ms >= ?")
            params.append(s.since_ms)
        if s.before_ms is not None:
            where.append("created_ms < ?")
            params.append(s.before_ms)
        if s.fax_number is not None:
            where.append("phone_e164 = ?")
            params.append(s.fax_number)
        if s.statuses:
            where.append(_status_filter(s.statuses, params))
        if s.after is not None:
            where.append("(created_ms, id) > (?, ?)")
            params += list(s.after)
        sql = (f"SELECT * FROM faxes WHERE {' AND '.join(where)} "
               f"ORDER BY created_ms, id LIMIT {int(s.limit) + 1}")
        rows = [dict(r) for r in await self.db.fetchall(sql, params)]
        more = len(rows) > s.limit
        rows = rows[: s.limit]
        histories: dict[str, list[dict]] = {}
        if s.with_history and rows:
            histories = await self._histories([r["id"] for r in rows])
        return rows, histories, more

    async def _histories(self, fax_ids: list[str]) -> dict[str, list[dict]]:
        sql = f"SELECT * FROM fax_history WHERE fax_id IN ({','.join('?' * len(fax_ids))}) ORDER BY id"
        out: dict[str, list[dict]] = {i: [] for i in fax_ids}
        for r in await self.db.fetchall(sql, fax_ids):
            out[r["fax_id"]].append(dict(r))
        return out


def _status_filter(statuses: list[str], params: list) -> str:
    # FaxWebhookUpdateFailed never is the current status: it is a flag plus a history entry.
    parts = []
    current = [s for s in statuses if s != Status.WEBHOOK_UPDATE_FAILED]
    if current:
        parts.append(f"status IN ({','.join('?' * len(current))})")
        params += current
    if len(current) < len(statuses):
        parts.append("webhook_failed = 1")
    return "(" + " OR ".join(parts) + ")"
