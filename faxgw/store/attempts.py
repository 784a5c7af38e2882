"""Attempts: the scheduler's side of the store (claim, pages confirmed, finish, recovery).

Nothing here dials. The scheduler claims a fax, runs a session, records confirmed pages as
the receiver sends MCF, and finishes the attempt with the session's result; this module
turns that into the lifecycle move the table allows, in one transaction each.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from faxgw.lifecycle import Action, Status, attempt_end, target
from faxgw.store.changes import record_change
from faxgw.store.db import Database, many, one
from faxgw.store.rows import Claim, Document, now_ms

INTERRUPTED_REASON = "The attempt was interrupted because the fax service stopped during the call."
INTERRUPTED = "interrupted"
# An interrupted call (a crash, a power cut, a stop past its grace) is the gateway's fault,
# not the line's: it spends no automatic retry, up to this many times per fax. Beyond, a fax
# that keeps taking the daemon down with it spends them again and ends.
FREE_INTERRUPTIONS = 3


@dataclass(frozen=True)
class AttemptResult:
    """How an attempt ended, as the session reports it. Only `success` and `outcome` are required."""

    success: bool
    outcome: str  # machine code from the outcome catalogue (faxgw/outcome.py)
    failed_reason: str | None = None  # a sentence for people; None when sent
    retry_delay_s: float = 0.0  # when the next automatic attempt may start
    give_up: bool = False  # no further automatic attempt whatever the budget
    pages_total: int | None = None
    confirmed_pages: Iterable[int] = ()  # pages confirmed, if not recorded one by one
    remote_ident: str | None = None  # CSI of the receiver
    bit_rate: int | None = None
    resolution: str | None = None
    coding: str | None = None
    ecm: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)  # T.30 details and trace


class AttemptStore:
    db: Database

    async def claim_next_job(self, modem: str, tenant_id: str | None = None,
                             now: int | None = None) -> Claim | None:
        """Claim the oldest due fax (of one tenant, if given) and open its attempt."""
        now = now_ms() if now is None else now
        async with self.db.write() as conn:
            row = await one(conn, self.db.q["claim_next"], {"now": now, "tenant_id": tenant_id})
            if row is None:
                return None
            return await self._open_attempt(conn, row, modem, now)

    async def start_attempt(self, fax_id: str, modem: str) -> Claim | None:
        """Claim one given fax; None if it is not queued any more (someone else won)."""
        now = now_ms()
        async with self.db.write() as conn:
            row = await one(conn, self.db.q["claim_one"], {"id": fax_id, "now": now})
            if row is None:
                return None
            return await self._open_attempt(conn, row, modem, now)

    async def ready_tenants(self) -> list[str]:
        rows = await self.db.fetchall(self.db.q["ready_tenants"], {"now": now_ms()})
        return [r["tenant_id"] for r in rows]

    async def _open_attempt(self, conn, row, modem: str, now: int) -> Claim:
        attempt_id = str(uuid.uuid4())
        params = {"id": attempt_id, "fax_id": row["id"], "number": row["attempt_count"],
                  "manual": row["manual_pending"], "modem": modem, "now": now}
        await conn.execute(self.db.q["attempt_insert"], params)
        await record_change(conn, self.db.q, row, now, f"attempt {row['attempt_count']} on {modem}")
        docs = await many(conn, self.db.q["fax_documents"], {"fax_id": row["id"]})
        pages = await many(conn, self.db.q["pages_confirmed_of"], {"fax_id": row["id"]})
        return Claim(
            fax_id=row["id"], tenant_id=row["tenant_id"], attempt_id=attempt_id,
            attempt_number=row["attempt_count"], manual=bool(row["manual_pending"]),
            phone_number=row["phone_number"], resolution=row["resolution"],
            header_line=row["header_line"],
            documents=[Document(d["position"], d["doc_type"], d["filename"], d["size_bytes"],
                                d["sha256"], d["path"]) for d in docs],
            pages_confirmed=frozenset(p["page"] for p in pages),
        )

    async def record_page_confirmed(self, attempt_id: str, page: int) -> None:
        """The receiver confirmed `page` (1-based) in this open attempt; kept across retries."""
        async with self.db.write() as conn:
            await conn.execute(self.db.q["page_confirm"],
                               {"attempt_id": attempt_id, "page": page, "now": now_ms()})
            await conn.execute(self.db.q["attempt_pages_sync"], {"attempt_id": attempt_id})

    async def set_page_count(self, fax_id: str, pages: int) -> None:
        """The number of pages once rendered (shown as pageCount); not a status change."""
        async with self.db.write() as conn:
            await conn.execute(self.db.q["fax_page_count_set"], {"id": fax_id, "pages": pages})

    async def finish_attempt(self, attempt_id: str, result: AttemptResult) -> dict:
        """Close an open attempt and move its fax as the lifecycle table says. Returns the fax row."""
        now = now_ms()
        async with self.db.write() as conn:
            attempt = await one(conn, self.db.q["attempt_get_open"], {"id": attempt_id})
            if attempt is None:
                raise LookupError(f"no open attempt {attempt_id}")
            for page in result.confirmed_pages:
                await conn.execute(self.db.q["page_confirm"],
                                   {"attempt_id": attempt_id, "page": page, "now": now})
            await conn.execute(self.db.q["attempt_end"], self._attempt_end_params(attempt_id, result, now))
            return await self._move_fax(conn, attempt, result, now)

    def _attempt_end_params(self, attempt_id: str, r: AttemptResult, now: int) -> dict:
        return {
            "id": attempt_id, "now": now, "outcome": r.outcome,
            "failed_reason": None if r.success else r.failed_reason,
            "pages_total": r.pages_total, "remote_ident": r.remote_ident, "bit_rate": r.bit_rate,
            "resolution": r.resolution, "coding": r.coding,
            "ecm": None if r.ecm is None else int(r.ecm),
            "details": json.dumps(r.details, separators=(",", ":")),
        }

    async def _move_fax(self, conn, attempt, r: AttemptResult, now: int) -> dict:
        fax = await one(conn, self.db.q["fax_get_any"], {"id": attempt["fax_id"]})
        free = r.outcome == INTERRUPTED and await self._interruptions(conn, fax["id"]) <= FREE_INTERRUPTIONS
        retries_left = fax["auto_retries_left"] + (1 if free else 0)
        action = attempt_end(r.success, bool(attempt["manual"]), retries_left, r.give_up)
        status = target(action, fax["status"])
        params = {
            "id": fax["id"], "now": now, "status": status.value,
            "failed_reason": None if r.success else (r.failed_reason or r.outcome),
            "retry_spent": 1 if action is Action.ATTEMPT_RETRY and not free else 0,
            "next_attempt_ms": now + int(r.retry_delay_s * 1000) if action is Action.ATTEMPT_RETRY else None,
        }
        row = await one(conn, self.db.q["fax_attempt_end"], params)
        reason = None if status is Status.SENT else params["failed_reason"]
        await record_change(conn, self.db.q, row, now, reason)
        return dict(row)

    async def _interruptions(self, conn, fax_id: str) -> int:
        """Interrupted attempts of the fax, this one included (its end is written first)."""
        row = await one(conn, self.db.q["attempts_interrupted_of"], {"fax_id": fax_id})
        return row[0]

    async def close_interrupted_attempts(self, retry_delay_s: float = 0.0) -> list[str]:
        """At start: attempts left open by a crash end as interrupted, under the normal policy."""
        rows = await self.db.fetchall(self.db.q["attempts_open"])
        for r in rows:
            await self.finish_attempt(r["id"], AttemptResult(
                success=False, outcome=INTERRUPTED, failed_reason=INTERRUPTED_REASON,
                retry_delay_s=retry_delay_s))
        return [r["id"] for r in rows]

    async def attempts(self, fax_id: str) -> list[dict]:
        return [dict(r) for r in await self.db.fetchall(self.db.q["attempts_of"], {"fax_id": fax_id})]

    async def attempt(self, fax_id: str, attempt_id: str) -> dict | None:
        row = await self.db.fetchone(self.db.q["attempt_of"], {"fax_id": fax_id, "id": attempt_id})
        return dict(row) if row else None

    async def pages_confirmed(self, fax_id: str) -> list[int]:
        rows = await self.db.fetchall(self.db.q["pages_confirmed_of"], {"fax_id": fax_id})
        return [r["page"] for r in rows]

    async def mark_webhook_failed(self, fax_id: str, reason: str) -> bool:
        """Record FaxWebhookUpdateFailed once, without touching the delivery status.

        Like a status change it writes a history row and an outbox event in one
        transaction, so endpoints that want FaxWebhookUpdateFailed are told (a healthy
        endpoint of the tenant at once, the failing one when it recovers). Once per fax:
        the flag's condition is what keeps a failing delivery of this very event from
        recording (and sending) another one.
        """
        now = now_ms()
        async with self.db.write() as conn:
            row = await one(conn, self.db.q["webhook_failed_mark"], {"id": fax_id, "now": now})
            if row is None:
                return False
            await record_change(conn, self.db.q, row, now, reason,
                                event_status=Status.WEBHOOK_UPDATE_FAILED.value)
        return True
