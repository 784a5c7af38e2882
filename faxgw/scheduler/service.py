"""The scheduler as one object the daemon starts and stops: recovery, the modem pool, the
claim loop, the receivers, and the statistics file."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Callable

from faxgw import g3
from faxgw.config import Config
from faxgw.documents.service import FaxDocuments
from faxgw.outcome import Outcome
from faxgw.scheduler.attempt import AttemptContext
from faxgw.scheduler.dialplan import DialPlan
from faxgw.scheduler.dispatcher import Dispatcher
from faxgw.scheduler.encoding import PageEncoder
from faxgw.scheduler.looplag import LoopLag, summary
from faxgw.scheduler.modem_status import ModemStatus
from faxgw.scheduler.pages import PageStore
from faxgw.scheduler.policy import backoff_s
from faxgw.scheduler.pool import ModemPool, PooledModem
from faxgw.inbound.service import InboundService
from faxgw.scheduler.receiver import receive_call
from faxgw.state_dir import StateDir
from faxgw.store import Store
from faxgw.store.received import ReceivedStore

log = logging.getLogger("faxgw.scheduler")

STATS_INTERVAL_S = 5.0


# What AttemptContext.on_finished is told: outcome, call seconds, modem, seconds per page sent.
AttemptListener = Callable[[str, float | None, str, list[float]], None]


class Scheduler:
    def __init__(self, config: Config, store: Store, documents: FaxDocuments,
                 on_attempt_finished: AttemptListener | None = None) -> None:
        self.config, self.store, self.documents = config, store, documents
        self.on_attempt_finished = on_attempt_finished
        self.bank = None  # the built-in hw-sim bank, when no [[modem]] is configured
        self.pool: ModemPool | None = None
        self.dispatcher: Dispatcher | None = None
        self.lag = LoopLag()
        self.encoder: PageEncoder | None = None
        self._tasks: list[asyncio.Task] = []
        self.inbound = InboundService(ReceivedStore(store.db), config.state_dir, config.inbound)

    async def start(self) -> None:
        self.lag.start()
        modems, dial_plan, idents = self.config.modems, self.config.dialplan, {}
        if not modems:
            from faxgw.scheduler.simbank import SimulatedBank

            self.bank = await asyncio.to_thread(SimulatedBank, self.config)
            modems, dial_plan = tuple(self.bank.modems), self.bank.dial_plan(dial_plan)
            idents = self.bank.idents
        started = time.monotonic()
        await asyncio.to_thread(g3.warm_up)
        log.info("codec ready in %.1f s", time.monotonic() - started)
        if any(m.send for m in modems):
            self.encoder = PageEncoder()
            await asyncio.to_thread(self.encoder.warm_up)
        await self.recover()
        self.pool = ModemPool(modems, self.config.scheduler.modem_max_failures,
                              self.config.scheduler.modem_reprobe_s, self._answer, idents,
                              self.config.scheduler.local_ident)
        await self.pool.start()
        log.info("modem pool started in %.1f s", time.monotonic() - started)
        ctx = AttemptContext(self.store, PageStore(self.config.state_dir, self.documents,
                                                      self.encoder),
                             DialPlan.from_config(dial_plan), self.config.retry,
                             on_finished=self.on_attempt_finished)
        self.dispatcher = Dispatcher(self.store, self.pool, ctx,
                                     self.config.scheduler.poll_interval_s)
        # Lag is measured from here: start-up (codec and renderer warm-up in threads that
        # hold the GIL) is not what a client waiting for an answer meets.
        self.lag.samples.clear()
        self._tasks.append(asyncio.create_task(self.dispatcher.run(), name="dispatcher"))
        self._tasks.append(asyncio.create_task(self._write_stats_often(), name="stats"))

    async def _let_calls_finish(self, grace_s: float) -> None:
        """SIGTERM: calls in progress (sent and received) may end by themselves for
        `grace_s`; whatever is left is then cancelled, which hangs up and records the attempt
        as interrupted (run_attempt). The unit's TimeoutStopSec= leaves room for both."""
        calls = set(self.dispatcher.calls) if self.dispatcher else set()
        calls |= set(self.pool._tasks) if self.pool else set()
        if not calls or grace_s <= 0:
            return
        log.info("stopping: waiting up to %.0f s for %d call(s) in progress", grace_s, len(calls))
        _, left = await asyncio.wait(calls, timeout=grace_s)
        if left:
            log.warning("stopping: %d call(s) still running after %.0f s; ending them",
                        len(left), grace_s)

    async def recover(self) -> list[str]:
        """Attempts left open by a crash or power cut end as interrupted; their faxes go
        back to the queue under the normal retry policy (or fail when none is left)."""
        delay = backoff_s(Outcome.INTERRUPTED, self.config.retry)
        closed = await self.store.close_interrupted_attempts(retry_delay_s=delay)
        for attempt_id in closed:
            log.warning("attempt %s was interrupted by a stop or crash; closed", attempt_id)
        for received in await self.inbound.finish_left_over():
            log.warning("received fax %s was cut off by a stop or crash; its pages are kept",
                        received)
        return closed

    async def reload(self, config: Config) -> None:
        """SIGHUP: the new [[modem]] list (calls in progress finish on their modem)."""
        if self.pool is None:
            return
        if self.bank is not None or not config.modems:
            # The built-in bank stands in for a config without [[modem]]; switching between
            # it and real modems needs a restart.
            if bool(config.modems) != (self.bank is None):
                log.warning("reload: switching between the built-in hw-sim bank and "
                            "[[modem]] tables needs a restart; modems unchanged")
            return
        await self.pool.reconfigure(config.modems)

    async def _answer(self, modem: PooledModem) -> None:
        await receive_call(modem, self.inbound)

    async def stop(self) -> None:
        # The claim loop goes first: nothing new is dialled from here on.
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._let_calls_finish(self.config.scheduler.stop_grace_s)
        if self.dispatcher:
            await self.dispatcher.stop()
        if self.pool:
            await self.pool.stop()
        await self.lag.stop()
        if self.encoder:
            await asyncio.to_thread(self.encoder.close)
        await asyncio.to_thread(self.write_stats)
        if self.bank:
            await asyncio.to_thread(self.bank.close)

    # --- statistics -----------------------------------------------------------------------
    def stats(self) -> dict:
        return {
            "loopLag": self.lag.stats(),
            "modemIdleGap": summary(self.pool.gaps if self.pool else [], "s"),
            "modems": self.pool.snapshot() if self.pool else [],
        }

    def modem_statuses(self) -> list[ModemStatus] | None:
        """A copy of every modem's state for the API and the status line; None until the
        pool has started."""
        if self.pool is None:
            return None
        return [_status(m) for m in self.pool.modems]

    def write_stats(self) -> None:
        path = StateDir(self.config.state_dir).scheduler_stats
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.stats(), indent=2))
        tmp.replace(path)

    async def _write_stats_often(self) -> None:
        while True:
            await asyncio.sleep(STATS_INTERVAL_S)
            with contextlib.suppress(OSError):
                await asyncio.to_thread(self.write_stats)


def _status(m: PooledModem) -> ModemStatus:
    identity = m.handle.identity()
    return ModemStatus(
        name=m.name, port=m.config.port, service_class=m.service_class,
        profile=identity["profile"], manufacturer=identity["manufacturer"],
        model=identity["model"], state=m.state.value, send=m.config.send,
        receive=m.config.receive, reason=m.reason, failures_in_a_row=m.failures)
