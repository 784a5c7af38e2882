"""The daemon's operations side: systemd notifications (READY, RELOADING, STOPPING), the
watchdog, the STATUS line, and SIGHUP's reload. Every notification is a no-op outside systemd.

    ops = Operations(services, scheduler)   once the API listens (faxgw/daemon.py)
    await ops.ready(); ...; ops.stopping(); await ops.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging

from faxgw import config as configuration
from faxgw.api.services import Services
from faxgw.api.status import summary
from faxgw.config import Config
from faxgw.scheduler.service import Scheduler
from faxgw.sdnotify import Notifier, start_watchdog

log = logging.getLogger("faxgw.ops")

STATUS_INTERVAL_S = 5.0


def reload_webhooks(services: Services, new: Config) -> None:
    """The new [webhooks] table: the delivery worker's policy (allowed and denied networks,
    timeouts, retries, concurrency) and what the API checks an endpoint URL against at
    creation. Deliveries in flight finish under the old settings. Only [webhooks] is
    taken from the new config here; the scheduler applies [[modem]] itself."""
    current = services.config
    if new.webhooks == current.webhooks:
        return
    # The same ports as at start: the API's own port stays denied.
    services.webhook_worker.reconfigure(new.webhooks,
                                        (current.server.port,) if current.server.port else ())
    services.config = dataclasses.replace(current, webhooks=new.webhooks)
    log.info("webhooks policy reloaded")


class Operations:
    """sd_notify for one run of the daemon; every call is a no-op outside systemd."""

    def __init__(self, services: Services, scheduler: Scheduler | None,
                 notifier: Notifier | None = None) -> None:
        self.services, self.scheduler = services, scheduler
        self.notifier = notifier or Notifier.from_environ()
        self._tasks: list[asyncio.Task] = []
        self._reload_lock = asyncio.Lock()  # a second SIGHUP waits for the first reload

    async def ready(self) -> None:
        """The API listens and the modems were probed (the scheduler's start did that)."""
        line = await self._summary()
        self.notifier.ready(status=line)
        log.info("ready: %s", line)
        watchdog = start_watchdog(self.notifier)
        if watchdog is not None:
            self._tasks.append(watchdog)
        if self.notifier.enabled:
            self._tasks.append(asyncio.create_task(self._status_loop(line), name="sd-status"))

    def start_reload(self, config_path: str | None) -> None:
        """From the SIGHUP handler: the reload runs as a task, the loop stays free."""
        self._tasks.append(asyncio.create_task(self.reload(config_path), name="reload"))

    async def reload(self, config_path: str | None) -> None:
        """Re-read the config; apply the modem list and the webhooks policy. A refused
        config changes nothing (the daemon keeps running on the old one: a typo must not
        take the box down)."""
        async with self._reload_lock:
            self.notifier.reloading()
            if config_path is None:
                log.info("reload: no config file (demo); nothing to re-read")
            else:
                try:
                    new = await asyncio.to_thread(configuration.load, config_path)
                except configuration.ConfigError as exc:
                    log.error("reload refused, the running config stays: %s", exc)
                else:
                    if self.scheduler is not None:
                        await self.scheduler.reload(new)
                    reload_webhooks(self.services, new)
                    log.info("config reloaded from %s", config_path)
            self.notifier.ready(status=await self._summary())

    def stopping(self) -> None:
        self.notifier.stopping(status="stopping: ending calls in progress")

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _summary(self) -> str:
        try:
            return await summary(self.services)
        except Exception as exc:  # noqa: BLE001 - a status line must not stop the daemon
            return f"status unavailable: {exc}"

    async def _status_loop(self, last: str) -> None:
        """STATUS= again whenever the summary changed (`systemctl status` shows it)."""
        while True:
            await asyncio.sleep(STATUS_INTERVAL_S)
            with contextlib.suppress(Exception):
                line = await self._summary()
                if line != last:
                    self.notifier.status(line)
                    last = line
