"""Tenants and their API keys, webhook endpoints, the outbox read side, and archiving."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid

from faxgw.store.db import Database, LookupBusy, one
from faxgw.store.rows import now_ms

API_KEY_PREFIX = "fgw_"
KEY_ID_LENGTH = 16  # hex digits of the key's SHA-256: substr(key_hash, 1, 16) in queries.sql
MAX_ENDPOINTS_PER_TENANT = 20


def hash_key(api_key: str) -> str:
    # The keys are 256 random bits: a plain SHA-256 cannot be brute-forced back, and it
    # keeps the per-request lookup cheap (no deliberately slow password hash needed).
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def key_id(api_key: str) -> str:
    """The public name of a key (`faxgw tenant key list/revoke`): it does not reveal the key."""
    return hash_key(api_key)[:KEY_ID_LENGTH]


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
        """The key's tenant, or None for an unknown or revoked key.

        Read from the file on every request, never cached: a key revoked by `faxgw tenant
        key revoke` (another process) fails from the next request on. A primary-key lookup
        on the loop's own connection costs microseconds, less than a cache's bookkeeping
        would save (see Database.lookup).
        """
        params = {"key_hash": hash_key(api_key), "now": now_ms()}
        try:
            row = self.db.lookup(self.db.q["tenant_by_key"], params)
        except LookupBusy:
            row = await self.db.fetchone(self.db.q["tenant_by_key"], params)
        return None if row is None else row["tenant_id"]

    async def tenants(self) -> list[dict]:
        return [dict(r) for r in await self.db.fetchall(self.db.q["tenant_list"], {"now": now_ms()})]

    async def find_tenant(self, ref: str) -> dict:
        """A tenant by its id or by its name; KeyError (with a sentence) if none or ambiguous."""
        row = await self.db.fetchone(self.db.q["tenant_by_id"], {"id": ref.lower()})
        if row is not None:
            return dict(row)
        rows = await self.db.fetchall(self.db.q["tenants_named"], {"name": ref})
        if not rows:
            raise KeyError(f"no tenant with the id or name {ref!r}")
        if len(rows) > 1:
            raise KeyError(f"{len(rows)} tenants are named {ref!r}: give the tenantId")
        return dict(rows[0])

    async def api_keys(self, tenant_id: str) -> list[dict]:
        """The tenant's keys (never the keys themselves): key_id, created_ms, revoked_ms."""
        return [dict(r) for r in await self.db.fetchall(self.db.q["api_keys_of"], {"tenant_id": tenant_id})]

    async def revoke_api_key(self, key_id: str, at_ms: int | None = None) -> dict:
        """Revoke the key with this id (now, or at `at_ms`); KeyError if there is none.
        Returns the key's row as it is after the change."""
        row = await self.db.fetchone(self.db.q["api_key_by_id"], {"key_id": key_id.lower()})
        if row is None:
            raise KeyError(f"no API key with the id {key_id!r}")
        at = now_ms() if at_ms is None else at_ms
        async with self.db.write() as conn:
            await conn.execute(self.db.q["api_key_revoke"], {"key_hash": row["key_hash"], "at": at})
        return dict(await self.db.fetchone(self.db.q["api_key_by_id"], {"key_id": row["key_id"]}))

    async def rotate_api_key(self, tenant_id: str, grace_s: float = 0.0) -> tuple[str, int]:
        """A new key for the tenant; every other key of it stops working after `grace_s`
        seconds (at once by default). Returns (apiKey, revoked_ms of the old keys)."""
        api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        now = now_ms()
        at = now + int(grace_s * 1000)
        async with self.db.write() as conn:
            await conn.execute(self.db.q["api_key_insert"],
                               {"key_hash": hash_key(api_key), "tenant_id": tenant_id, "now": now})
            await conn.execute(self.db.q["api_keys_revoke_others"],
                               {"tenant_id": tenant_id, "keep": hash_key(api_key), "at": at})
        return api_key, at

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
