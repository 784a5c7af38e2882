"""The delivery worker: outbox -> deliveries -> signed POSTs, retried until delivered or given up.

One loop owns the ledger and, each turn: records finished attempts, fans new outbox events
out to endpoints, and starts the heads of line that are due. Attempts run as tasks, at most
``concurrency`` at once, at most ``per_endpoint_concurrency`` per endpoint and at most
``tenant_slots`` per tenant, so an endpoint that hangs holds a few slots while every other
endpoint keeps its pace, and a tenant whose many endpoints all hang cannot take every slot
from the other tenants. The loop
sleeps until the next due retry, a finished attempt, :meth:`WebhookWorker.notify` (called
when the store commits), or ``outbox_poll_s`` (events written by another process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import replace

import aiohttp

from faxgw.lifecycle import Status
from faxgw.store import Store
from faxgw.webhooks.delivery import AttemptRecord, deliver, make_client_session
from faxgw.webhooks.envelope import encode_envelope
from faxgw.webhooks.ledger import Claimed, DeliveryLedger, InFlight, DeliveryOutcome
from faxgw.webhooks.settings import WebhooksSettings
from faxgw.webhooks.url_policy import PolicyResolver, UrlPolicy
from faxgw.webhooks.worker_lock import WorkerLock

log = logging.getLogger(__name__)

ORPHAN_SWEEP_S = 30.0
# After an unexpected error a turn is retried after this pause, not in a tight loop.
ERROR_PAUSE_S = 1.0
BATCH_WINDOW_S = 0.003
BODY_CACHE_SIZE = 1024


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class WebhookWorker:
    def __init__(
        self,
        store: Store,
        settings: WebhooksSettings,
        api_ports: tuple[int, ...] = (),
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._ledger = DeliveryLedger(store.db)
        self._policy = settings.url_policy(api_ports)
        self._resolver: PolicyResolver | None = None
        # Tenants whose deliveries the admin narrowed: tenantId -> (session, its resolver).
        self._narrowed: dict[str, tuple[aiohttp.ClientSession, PolicyResolver]] = {}
        self._added_ports: frozenset[int] = frozenset()  # by add_own_ports, kept by reconfigure
        self._lock = WorkerLock(store.db.path)
        self._limits = settings.limits()
        self._backoff = settings.backoff()
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._stopping = False
        self._results: list[DeliveryOutcome] = []
        self._tasks: set[asyncio.Task] = set()
        # Taken and not yet recorded: neither claimed again nor counted as free.
        self._in_flight = InFlight()
        self._loop_task: asyncio.Task | None = None
        self._last_sweep = 0.0
        self._recording: asyncio.Task | None = None
        self._bodies: dict[int, bytes] = {}
        # Set by commits and by the poll timer; cleared when the fan-out looks at the outbox.
        self._outbox_maybe_new = True
        self._next_look_ms: int | None = None  # from the last turn's read of the heads

    def notify(self) -> None:
        """Something may be new in the outbox: look now instead of at the next poll."""
        self._outbox_maybe_new = True
        self._wake.set()

    def commit_listener(self) -> None:
        """For Database.commit_listeners: any commit may have added outbox rows."""
        # The worker's own commits must not wake it, or an idle worker would spin.
        if asyncio.current_task() not in (self._loop_task, self._recording):
            self.notify()

    async def start(self) -> None:
        """Start delivering; raises WorkerLockHeld if another process already does."""
        self._lock.acquire()
        self._resolver = PolicyResolver(self._policy)
        self._session = make_client_session(self._resolver, self._limits)
        self._loop_task = asyncio.create_task(self._run(), name="webhook-worker")

    @property
    def policy(self) -> UrlPolicy:
        return self._policy

    def policy_for(self, tenant_id: str) -> UrlPolicy:
        """The policy a tenant's deliveries meet: narrowed when the admin says so."""
        networks = self._settings.tenant_networks(tenant_id)
        return self._policy if networks is None else self._policy.narrowed(networks)

    def _client_for(self, tenant_id: str) -> tuple[aiohttp.ClientSession, UrlPolicy]:
        """The session and policy of a tenant's delivery. A narrowed tenant has a session of
        its own: the policy is checked inside the connector's resolver, at connection time."""
        if self._settings.tenant_networks(tenant_id) is None:
            return self._session, self._policy
        client = self._narrowed.get(tenant_id)
        if client is None:
            policy = self.policy_for(tenant_id)
            resolver = PolicyResolver(policy)
            client = self._narrowed[tenant_id] = (make_client_session(resolver, self._limits), resolver)
        session, resolver = client
        return session, resolver.policy

    def add_own_ports(self, ports: tuple[int, ...]) -> None:
        """Deny these ports on the box too: the API's real port once it is bound (port 0)."""
        self._added_ports |= frozenset(ports)
        self._policy = replace(self._policy, own_ports=self._policy.own_ports | self._added_ports)
        if self._resolver is not None:
            self._resolver.policy = self._policy
        for tenant_id, (_, resolver) in self._narrowed.items():
            resolver.policy = self.policy_for(tenant_id)

    async def stop(self) -> None:
        """Stop taking work; attempts still in flight are cancelled and retried after the next start."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
        if self._recording is not None:
            await asyncio.gather(self._recording, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._flush_results()  # what finished before the cancel is kept
        await self._session.close()
        for session, _ in self._narrowed.values():
            await session.close()
        self._ledger.close()
        self._lock.release()

    def reconfigure(self, settings: WebhooksSettings, api_ports: tuple[int, ...] = ()) -> None:
        """New settings (SIGHUP): URL policy, timeouts, retry and concurrency apply to every
        attempt started from now on. Attempts in flight finish on the old client session,
        which is closed after them; nothing in flight is cancelled or lost."""
        old_session, in_flight = self._session, set(self._tasks)
        old_narrowed, self._narrowed = self._narrowed, {}
        self._settings = settings
        # The ports learnt since start (the bound API port) stay denied.
        self._policy = settings.url_policy(tuple(api_ports) + tuple(sorted(self._added_ports)))
        self._limits = settings.limits()
        self._backoff = settings.backoff()
        self._bodies.clear()  # the envelope's "source" may have changed
        self._resolver = PolicyResolver(self._policy)
        self._session = make_client_session(self._resolver, self._limits)
        closer = asyncio.create_task(_close_after([old_session, *(c[0] for c in old_narrowed.values())],
                                                  in_flight))
        self._tasks.add(closer)  # stop() waits for it (or cancels it, which still closes)
        closer.add_done_callback(self._tasks.discard)
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self._turn()
                await self._sleep()
                if self._tasks and not self._stopping:
                    # Let more attempts finish, so that one turn records and refills many:
                    # each turn costs a few database round trips, whatever its size.
                    await asyncio.sleep(BATCH_WINDOW_S)
            except Exception:  # one bad turn must not end webhook delivery for good
                log.exception("webhook worker turn failed; trying again")
                await asyncio.sleep(ERROR_PAUSE_S)

    async def _turn(self) -> None:
        now = now_ms()
        self._start_recording()
        if self._outbox_maybe_new:
            self._outbox_maybe_new = False
            try:
                # One batch a turn, then the heads: fanning out "until there is nothing
                # new" never ends while the API commits events faster than a batch takes.
                if await self._ledger.fan_out(now):
                    self.notify()  # maybe more: next turn, after this one's heads
            except BaseException:
                self._outbox_maybe_new = True
                raise
        if time.monotonic() - self._last_sweep > ORPHAN_SWEEP_S:
            await self._ledger.drop_orphans(now)
            self._last_sweep = time.monotonic()
        self._next_look_ms = None
        free = self._settings.concurrency - self._in_flight.running
        if free > 0:
            settings = self._settings
            taken = await self._ledger.take(now, free, settings.per_endpoint_concurrency, self._in_flight,
                                            settings.tenant_slots)
            for claimed in taken.claimed:
                self._start_attempt(claimed)
            self._next_look_ms = taken.next_look_ms

    async def _sleep(self) -> None:
        if self._stopping or (self._results and self._recording is None):
            return
        timeout = self._settings.outbox_poll_s
        # With every slot taken, a finishing attempt wakes the loop; otherwise the next due
        # head does (a retry, or a head behind an endpoint that was saturated).
        due = self._next_look_ms
        if due is not None and self._in_flight.running < self._settings.concurrency:
            timeout = min(timeout, max(0.0, (due - now_ms()) / 1000))
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except asyncio.TimeoutError:
            self._outbox_maybe_new = True  # another process may have written events

    def _start_attempt(self, claimed: Claimed) -> None:
        self._in_flight.add(claimed.outbox_id, claimed.endpoint_id, claimed.tenant_id)
        task = asyncio.create_task(self._attempt(claimed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _attempt(self, claimed: Claimed) -> None:
        started_at = time.time()
        try:
            body = self._body(claimed)
            session, policy = self._client_for(claimed.tenant_id)
            record = await deliver(
                session, policy, claimed.url, body,
                claimed.cloud_event_id, list(claimed.secrets), self._limits,
            )
        except Exception as exc:  # a bug or a URL no check foresaw: a failed attempt, not a stuck line
            log.exception("webhook attempt failed unexpectedly")
            record = AttemptRecord(started_at, 0.0, None, f"internal error: {type(exc).__name__}: {exc}", "")
        next_ms = None
        if not record.delivered:
            # From when the event was queued, not from its first attempt: events waiting
            # behind a failing one in their fax's line do not each get a fresh day.
            queued_s = claimed.queued_ms / 1000
            next_s = self._backoff.next_attempt_at(claimed.attempts + 1, queued_s, time.time(), self._rng)
            next_ms = None if next_s is None else int(next_s * 1000)
        self._results.append(DeliveryOutcome(claimed, record, next_ms))
        self._in_flight.finish(claimed.outbox_id, claimed.endpoint_id)
        self._wake.set()

    def _start_recording(self) -> None:
        """Record finished attempts in the background while the loop claims more.

        Safe to overlap with a claim: a delivery leaves the in-flight set only after its
        outcome is committed, so until then it is neither claimed again nor is the next
        event of its fax (its line still starts with it).
        """
        if self._results and self._recording is None:
            self._recording = asyncio.create_task(self._flush_in_background())

    async def _flush_in_background(self) -> None:
        try:
            await self._flush_results()
        except Exception:
            log.exception("recording webhook attempts failed; trying again")
            await asyncio.sleep(ERROR_PAUSE_S)
        finally:
            self._recording = None
            self._wake.set()

    def _body(self, claimed: Claimed) -> bytes:
        """The envelope bytes, encoded once for all the endpoints an event goes to."""
        body = self._bodies.get(claimed.outbox_id)
        if body is None:
            body = encode_envelope(claimed.event, self._settings.source)
            if len(self._bodies) >= BODY_CACHE_SIZE:
                self._bodies.pop(next(iter(self._bodies)))  # the oldest: dicts keep order
            self._bodies[claimed.outbox_id] = body
        return body

    async def _flush_results(self) -> None:
        if not self._results:
            return
        outcomes, self._results = self._results, []
        try:
            await self._record(outcomes)
        except BaseException:
            self._results[:0] = outcomes  # keep them for the next turn
            raise

    async def _record(self, outcomes: list[DeliveryOutcome]) -> None:
        # FaxWebhookUpdateFailed first, the give-up second: after a crash in between, the
        # delivery is still pending, is tried once more and given up again, and the store's
        # conditional update keeps the fax's record to exactly one entry.
        for outcome in outcomes:
            # A given-up FaxWebhookUpdateFailed event itself records nothing: the fax already
            # has its one entry, and another event would only fail the same way (a loop).
            if outcome.given_up and outcome.claimed.status != Status.WEBHOOK_UPDATE_FAILED:
                await self._store.mark_webhook_failed(outcome.claimed.fax_id, _reason(outcome))
        await self._ledger.record(outcomes, now_ms())
        for outcome in outcomes:
            self._in_flight.remove(outcome.claimed.outbox_id, outcome.claimed.endpoint_id)


async def _close_after(sessions, attempts: set[asyncio.Task]) -> None:
    try:
        await asyncio.gather(*attempts, return_exceptions=True)
    finally:
        for session in sessions:
            await session.close()


def _reason(outcome: DeliveryOutcome) -> str:
    record = outcome.record
    last = f"HTTP {record.status_code}" if record.status_code is not None else record.error
    return (f"event {outcome.claimed.cloud_event_id} ({outcome.claimed.status}) not delivered "
            f"to webhook endpoint {outcome.claimed.endpoint_id} after {outcome.claimed.attempts + 1} "
            f"attempts; last: {last}")
