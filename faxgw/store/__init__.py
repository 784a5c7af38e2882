"""The store: everything durable about tenants, faxes, attempts, webhooks and events.

``Store`` is the one object other components use; the SQL lives in ``queries.sql`` and the
schema in numbered ``migrations/NNNN_*.sql`` files applied at open.
"""

from __future__ import annotations

from pathlib import Path

from faxgw.lifecycle import TransitionRefused
from faxgw.store.batch import GroupCommit
from faxgw.store.attempts import AttemptResult, AttemptStore
from faxgw.store.db import Database
from faxgw.store.faxes import FaxStore, NotFound, SearchQuery
from faxgw.store.rows import Claim, Document, NewFax
from faxgw.store.tenants import TenantStore, TooManyEndpoints

DB_FILENAME = "faxgw.sqlite3"

__all__ = [
    "AttemptResult", "Claim", "Document", "NewFax", "NotFound", "SearchQuery", "Store",
    "TooManyEndpoints", "TransitionRefused", "DB_FILENAME",
]


class Store(FaxStore, AttemptStore, TenantStore):
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
