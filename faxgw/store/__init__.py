"""The store: everything durable about tenants, faxes, attempts, webhooks and events.

``Store`` is the one object other components use; the SQL lives in ``queries.sql`` and the
schema in numbered ``migrations/NNNN_*.sql`` files applied at open (add ``0002_*.sql``,
never edit an applied one). Every status change writes a ``fax_history`` row and an
``outbox`` row in its own transaction.

For the scheduler (each call one transaction; races are decided by conditional updates):
  claim_next_job(modem, tenant_id=None, now=None) -> Claim | None   oldest due fax, never a
      number already in a call; opens attempt N (FaxAttemptInitiated)
  start_attempt(fax_id, modem) -> Claim | None                     the same for one given fax
  ready_tenants() -> [tenant_id]                                     for round robin
  record_page_confirmed(attempt_id, page)                            MCF for a page (1-based)
  finish_attempt(attempt_id, AttemptResult) -> fax row              FaxSent / FaxRetryAttempted
      (next attempt at now + retry_delay_s) / FaxFailed, as faxgw.lifecycle decides
  close_interrupted_attempts(retry_delay_s=0) -> [attempt_id]        at start, after a crash
  Claim.pages_confirmed: pages confirmed by any earlier attempt; send only the others.
For webhooks:
  outbox_after(after_id, limit) -> rows (id, event_id, tenant_id, fax_id, seq, type, payload)
  endpoints(tenant_id) -> rows (url, events JSON, secret, previous_secret, ...)
  mark_webhook_failed(fax_id, reason) -> bool                        once per fax; also an event
For the scheduler's learning and the admin API (faxgw/store/destinations.py):
  destination(number) / destinations(after, limit) / save_destination(Destination)
For the archive task:
  purge_delivery_log(before_ms, batch) -> int   old outbox events with their deliveries and
      attempts, oldest first; never one still pending or not yet fanned out
"""

from __future__ import annotations

from pathlib import Path

from faxgw.lifecycle import TransitionRefused
from faxgw.state_dir import DATABASE_FILE
from faxgw.store.batch import GroupCommit
from faxgw.store.attempts import AttemptResult, AttemptStore
from faxgw.store.destinations import Destination, DestinationStore, destination_key
from faxgw.store.db import Database
from faxgw.store.faxes import FaxStore, NotFound, SearchQuery
from faxgw.store.rows import Claim, Document, NewFax
from faxgw.store.tenants import TenantStore, TooManyEndpoints

DB_FILENAME = DATABASE_FILE  # the state directory's layout is faxgw/state_dir.py

__all__ = [
    "AttemptResult", "Claim", "Destination", "Document", "NewFax", "NotFound", "SearchQuery", "Store",
    "TooManyEndpoints", "TransitionRefused", "DB_FILENAME", "destination_key",
]


class Store(FaxStore, AttemptStore, TenantStore, DestinationStore):
    def __init__(self, db: Database, max_automatic_retries: int = 5):
        self.db = db
        self.max_automatic_retries = max_automatic_retries
        self._submissions = GroupCommit(self._insert_batch)

    @classmethod
    async def open(cls, state_dir: str | Path, max_automatic_retries: int = 5) -> "Store":
        db = await Database.open(Path(state_dir) / DB_FILENAME)
        return cls(db, max_automatic_retries)

    async def close(self) -> None:
        await self._submissions.drain()
        await self.db.close()
