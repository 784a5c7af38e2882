"""The delivery worker: outbox -> deliveries -> signed POSTs, retried until delivered or given up.

One loop owns the ledger (the only writer of the webhook tables) and does, each turn:
record finished attempts, fan new outbox events out to endpoints, start the heads of line
that are due. Attempts run as tasks, at most ``concurrency`` at once and at most
``per_endpoint_concurrency`` per endpoint, so an endpoint that hangs holds a few slots and
every other endpoint keeps its pace. The loop sleeps until the next due retry, a finished
attempt, or :meth:`WebhookWorker.notify` (the store calls it after committing an event).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from typing import Awaitable, Callable

import aiosqlite

from faxgw.webhooks.delivery import deliver, make_client_session
from faxgw.webhooks.envelope import encode_envelope
from faxgw.webhooks.ledger import Claimed, DeliveryLedger, Outcome
from faxgw.webhooks.settings import WebhooksSettings

log = logging.getLogger(__name__)

# Records FaxWebhookUpdateFailed on a fax: (tenant_id, fax_id) -> None. Must be idempotent.
MarkFailed = Callable[[str, str], Awaitable[None]]

# Even without notify() the loop looks at the outbox this often.
IDLE_POLL_S = 1.0
ORPHAN_SWEEP_S = 30.0


class WebhookWorker:
    def __init__(
        self,
        db_path: str,
        settings: WebhooksSettings,
        mark_failed: MarkFailed,
        api_ports: tuple[int, ...] = (),
        rng: random.Random | None = None,
    ) -> None:
        self._db_path = db_path
        self._settings = settings
        self._mark_failed = mark_failed
        self._policy = settings.url_policy(api_ports)
        self._limits = settings.limits()
        self._backoff = settings.backoff()
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._stopping = False
        self._results: list[Outcome] = []
        self._in_flight: set[asyncio.Task] = set()
        self._db: aiosqlite.Connection | None = None
        self._loop_task: asyncio.Task | None = None
        self._last_sweep = 0.0
        # Unfinished FaxWebhookUpdateFailed notifications may be left from a crash.
        self._failures_to_notify = True

    def notify(self) -> None:
        """Something new is in the outbox: look now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        self._db = await aiosqlite.connect(self._db_path)
        await self._db.execute("PRAGMA busy_timeout = 5000")
        self._ledger = DeliveryLedger(self._db)
        await self._ledger.release_in_flight()
        self._session = make_client_session(self._policy, self._limits)
        self._loop_task = asyncio.create_task(self._run(), name="webhook-worker")

    async def stop(self) -> None:
        """Stop taking work, cancel attempts in flight (they are retried after the next start)."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        for task in list(self._in_flight):
            task.cancel()
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        if self._db is not None:
            await self._flush_results()
            await self._session.close()
            await self._db.close()
            self._db = None

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self._turn()
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad turn must not end webhook delivery for good
                log.exception("webhook worker turn failed; retrying")
                await asyncio.sleep(IDLE_POLL_S)
                continue
            await self._sleep()

    async def _turn(self) -> None:
        now = time.time()
        await self._flush_results()
        if self._failures_to_notify:
            await self._notify_failed_faxes()
        while await self._ledger.fan_out(now):
            pass
        if now - self._last_sweep > ORPHAN_SWEEP_S:
            await self._ledger.drop_orphans(now)
            self._last_sweep = now
        free = self._settings.concurrency - len(self._in_flight)
        if free > 0:
            for claimed in await self._ledger.claim(now, free, self._settings.per_endpoint_concurrency):
                self._start_attempt(claimed)

    async def _sleep(self) -> None:
        if self._results:
            return
        timeout = IDLE_POLL_S
        if len(self._in_flight) < self._settings.concurrency:
            due = await self._ledger.next_due(self._settings.per_endpoint_concurrency)
            if due is not None:
                timeout = min(timeout, max(0.0, due - time.time()))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    def _start_attempt(self, claimed: Claimed) -> None:
        task = asyncio.create_task(self._attempt(claimed))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _attempt(self, claimed: Claimed) -> None:
        body = encode_envelope(claimed.event, self._settings.source)
        record = await deliver(
            self._session, self._policy, claimed.url, body,
            claimed.event.event_id, list(claimed.secrets), self._limits,
        )
        next_at = None
        if not record.delivered:
            first = claimed.first_attempt_at or record.started_at
            now = time.time()
            next_at = self._backoff.next_attempt_at(claimed.attempts + 1, first, now, self._rng)
        self._results.append(Outcome(claimed, record, next_at))
        self._wake.set()

    async def _flush_results(self) -> None:
        if not self._results:
            return
        outcomes, self._results = self._results, []
        await self._ledger.record(outcomes, time.time())
        if any(o.given_up for o in outcomes):
            self._failures_to_notify = True

    async def _notify_failed_faxes(self) -> None:
        """Record FaxWebhookUpdateFailed on each fax the ledger decided failed, once."""
        for failed in await self._ledger.unnotified_failures():
            await self._mark_failed(failed.tenant_id, failed.fax_id)
            await self._ledger.mark_notified(failed.fax_id)
        self._failures_to_notify = False
