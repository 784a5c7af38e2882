"""Tenants and their API keys, webhook endpoints, the outbox read side, and archiving."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid

from faxgw.store.db import Database, one
from faxgw.store.rows import now_ms

API_KEY_PREFIX = "fgw_"
MAX_ENDPOINTS_PER_TENANT = 20
KEY_CACHE_TTL_S = 30.0  # how long a revoked key could still work, once revocation exists
KEY_CACHE_SIZE = 10_000


def hash_key(api_key: str) -> str:
    # The keys are 256 random bits: a plain SHA-256 cannot be brute-forced back, and it
    # keeps the per-request lookup cheap (no deliberately slow password hash needed).
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


class TooManyEndpoints(Exception):
    pass


class TenantStore:
    db: Database

    async def create_tenant(self, name: str) -> tuple[str, str]:
        """A new tenant and its first API key: (tenantId, apiKey). The key is not stored."""
        tenant_id = str(uuid.uuid4())
        api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        now = now_ms()
        async with self.db.write() as conn:
            await conn.execute(self.db.q["tenant_insert"], {"id": tenant_id, "name": name, "now": now})
            await conn.execute(self.db.q["api_key_insert"],
                               {"key_hash": hash_key(api_key), "tenant_id": tenant_id, "now": now})
        return tenant_id, api_key

    async def add_api_key(self, tenant_id: str) -> str:
        api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        async with self.db.write() as conn:
            await conn.execute(self.db.q["api_key_insert"],
                               {"key_hash": hash_key(api_key), "tenant_id": tenant_id, "now": now_ms()})
        return api_key

    async def tenant_for_key(self, api_key: str) -> str | None:
        """The key's tenant. Hits are cached briefly (every request asks); misses never are,
        so a key made by `faxgw tenant create` in another process works at once."""
        key_hash = hash_key(api_key)
        cache: dict = self.__dict__.setdefault("_key_cache", {})
        hit = cache.get(key_hash)
        if hit and hit[1] > time.monotonic():
            return hit[0]
        row = await self.db.fetchone(self.db.q["tenant_by_key"], {"key_hash": key_hash})
        if row is None:
            return None
        if len(cache) > KEY_CACHE_SIZE:
            cache.clear()
        cache[key_hash] = (row["tenant_id"], time.monotonic() + KEY_CACHE_TTL_S)
        return row["tenant_id"]

    async def tenants(self) -> list[dict]:
        return [dict(r) for r in await self.db.fetchall(self.db.q["tenant_list"])]

    async def tenant_by_name(self, name: str) -> dict | None:
        row = await self.db.fetchone(self.db.q["tenant_by_name"], {"name": name})
        return dict(row) if row else None

    # -- webhook endpoints -------------------------------------------------------------------

    async def create_endpoint(self, tenant_id: str, url: str, events: list[str],
                              description: str | None) -> tuple[dict, str]:
        secret = "whsec_" + secrets.token_urlsafe(32)
        async with self.db.write() as conn:
            (count,) = await one(conn, self.db.q["endpoint_count"], {"tenant_id": tenant_id})
            if count >= MAX_ENDPOINTS_PER_TENANT:
                raise TooManyEndpoints(count)
            row = await one(conn, self.db.q["endpoint_insert"], {
                "id": str(uuid.uuid4()), "tenant_id": tenant_id, "url": url,
                "events": json.dumps(events), "description": description,
                "secret": secret, "now": now_ms()})
        return dict(row), secret

    async def endpoints(self, tenant_id: str) -> list[dict]:
        rows = await self.db.fetchall(self.db.q["endpoints_of"], {"tenant_id": tenant_id})
        return [dict(r) for r in rows]

    async def delete_endpoint(self, tenant_id: str, endpoint_id: str) -> dict | None:
        async with self.db.write() as conn:
            row = await one(conn, self.db.q["endpoint_delete"], {"id": endpoint_id, "tenant_id": tenant_id})
        return dict(row) if row else None

    # -- outbox (read side; delivery is the webhooks component's) -----------------------------

    async def outbox_after(self, after_id: int, limit: int = 100) -> list[dict]:
        rows = await self.db.fetchall(self.db.q["outbox_after"], {"after_id": after_id, "limit": limit})
        return [dict(r) for r in rows]

    # -- archive and retention -----------------------------------------------------------------

    async def archive_terminal(self, before_ms: int, batch: int = 1000) -> int:
        """Archive up to `batch` faxes that became terminal before `before_ms`."""
        async with self.db.write() as conn:
            cur = await conn.execute(self.db.q["archive_terminal"],
                                     {"now": now_ms(), "before_ms": before_ms, "batch": batch})
            return cur.rowcount

    async def purge_candidates(self, before_ms: int, batch: int = 500) -> list[str]:
        rows = await self.db.fetchall(self.db.q["purge_candidates"], {"before_ms": before_ms, "batch": batch})
        return [r["id"] for r in rows]

    async def purge_delivery_log(self, before_ms: int, batch: int = 1000) -> int:
        """Delete up to `batch` outbox events older than `before_ms` with their webhook
        deliveries and attempts; never one that is still pending delivery. Returns how many."""
        async with self.db.write() as conn:
            cur = await conn.execute(self.db.q["delivery_log_purge"],
                                     {"before_ms": before_ms, "batch": batch})
            return cur.rowcount

    async def mark_purged(self, fax_id: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(self.db.q["mark_purged"], {"id": fax_id, "now": now_ms()})
