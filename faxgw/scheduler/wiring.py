"""The scheduler in the aiohttp app: started after the store, stopped before it.

``install(app)`` is the one call the daemon makes; everything else stays in this package.
"""

from __future__ import annotations

from typing import AsyncIterator

from aiohttp import web

from faxgw.api.keys import CONFIG, STORE
from faxgw.api.pages import DOCUMENTS
from faxgw.scheduler.service import Scheduler

SCHEDULER = web.AppKey("scheduler", Scheduler)


def install(app: web.Application) -> None:
    if not app[CONFIG].scheduler.enabled:
        return
    # Appended after the store's and the documents' contexts: cleanup runs in reverse, so
    # calls end (and their attempts are recorded) before the store and the pool close.
    app.cleanup_ctx.append(_scheduler_ctx)


async def _scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    scheduler = Scheduler(app[CONFIG], app[STORE], app[DOCUMENTS])
    app[SCHEDULER] = scheduler
    try:
        await scheduler.start()
        yield
    finally:
        await scheduler.stop()
