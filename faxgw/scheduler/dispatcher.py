"""The claim loop: an idle modem, the next tenant in turn, one conditional update.

Tenants take turns (round-robin over the tenants that have a fax due), so one tenant's
batch of 500 cannot starve another's single fax. The store's claim query never takes a
fax whose number is already in a call, and decides every race (two claimers, a claim
against a client's stop or hold) in one statement.
"""

from __future__ import annotations

import asyncio
import bisect
import logging

from faxgw.scheduler.attempt import AttemptContext, run_attempt
from faxgw.scheduler.pool import ModemPool, PooledModem
from faxgw.store import Claim, Store

log = logging.getLogger("faxgw.scheduler")


class Dispatcher:
    def __init__(self, store: Store, pool: ModemPool, ctx: AttemptContext,
                 poll_interval_s: float) -> None:
        self.store, self.pool, self.ctx = store, pool, ctx
        self.poll_interval_s = poll_interval_s
        self.last_tenant: str | None = None
        self.calls: set[asyncio.Task] = set()
        self.poke = asyncio.Event()

    async def run(self) -> None:
        while True:
            modem = self.pool.idle_sender()
            if modem is None:
                await self.pool.wait_for_change(self.poll_interval_s)
                continue
            try:
                claim = await self.claim(modem.name)
            except Exception:  # noqa: BLE001 - a locked database must not end the loop
                log.exception("claim failed")
                claim = None
            if claim is None:
                self.pool.give_back(modem)
                await self._nap()
                continue
            self.pool.occupy(modem)
            task = asyncio.create_task(self._call(claim, modem), name=f"call-{claim.fax_id}")
            self.calls.add(task)
            task.add_done_callback(self.calls.discard)

    async def _nap(self) -> None:
        try:
            async with asyncio.timeout(self.poll_interval_s):
                await self.poke.wait()
        except TimeoutError:
            pass
        self.poke.clear()

    async def claim(self, modem_name: str) -> Claim | None:
        """The next due fax of the tenant after the last one served (round-robin)."""
        tenants = sorted(await self.store.ready_tenants())
        if not tenants:
            return None
        start = bisect.bisect_right(tenants, self.last_tenant) if self.last_tenant else 0
        for tenant in tenants[start:] + tenants[:start]:
            claim = await self.store.claim_next_job(modem_name, tenant)
            if claim is not None:
                self.last_tenant = tenant
                return claim
        return None

    async def _call(self, claim: Claim, modem: PooledModem) -> None:
        try:
            end = await run_attempt(self.ctx, claim, modem)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded below; the loop goes on
            log.exception("attempt %s failed", claim.attempt_id)
            await self.pool.release(modem, True, repr(exc))
        else:
            await self.pool.release(modem, end.modem_failed, end.reason)
        self.poke.set()  # a number is free again: a fax waiting for it may be due

    async def stop(self) -> None:
        """Cancel the calls in progress; each records its attempt as interrupted."""
        for task in list(self.calls):
            task.cancel()
        await asyncio.gather(*self.calls, return_exceptions=True)
