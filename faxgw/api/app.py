"""The aiohttp application: factory, routes, and the resources it owns (cleanup_ctx)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator

from aiohttp import web

from faxgw.api import (docs, middlewares, ops_views, pages, received_views, submit, views,
                       webhook_events, webhook_views)
from faxgw.api.keys import CONFIG, FAXES_DIR_SYNC, STORE
from faxgw.api.uploads import FAXES_DIR, DirSync, clear_staging
from faxgw.archive import archive_loop, sweep_orphans
from faxgw.config import Config
from faxgw.store import Store

ARCHIVE_TASK = web.AppKey("archive_task", asyncio.Task)


def create_app(config: Config) -> web.Application:
    app = web.Application(middlewares=[middlewares.errors, middlewares.auth])
    app[CONFIG] = config
    app.cleanup_ctx.append(_store_ctx)
    app.cleanup_ctx.append(_archive_ctx)
    app.cleanup_ctx.append(pages.documents_ctx)
    app.cleanup_ctx.append(webhook_events.worker_ctx)  # issue 10: needs the store's context
    add_routes(app)
    ops_views.add_routes(app)  # issue 11: /health, /metrics, /modems (and the metrics' ctx)
    received_views.add_routes(app)  # issue 12: /received/..., /admin/received
    return app


def add_routes(app: web.Application) -> None:
    app.router.add_post("/fax", submit.send_fax, expect_handler=submit.expect_upload)
    app.router.add_post("/fax/search", views.search_faxes)
    app.router.add_post("/fax/webhook/endpoints", webhook_views.create_endpoint)
    app.router.add_get("/fax/webhook/endpoints", webhook_views.list_endpoints, allow_head=False)
    app.router.add_delete("/fax/webhook/endpoints", webhook_views.delete_endpoint)
    webhook_events.add_routes(app)  # issue 10; before /fax/{faxId}, which would take /fax/events
    app.router.add_get("/fax/{faxId}", views.get_fax, allow_head=False)
    app.router.add_delete("/fax/{faxId}", views.stop_fax)
    app.router.add_put("/fax/{faxId}/retry", views.retry_fax)
    app.router.add_put("/fax/{faxId}/hold", views.hold_fax)
    app.router.add_put("/fax/{faxId}/revive", views.revive_fax)
    app.router.add_get("/fax/{faxId}/pages/{n}", pages.page_png, allow_head=False)
    app.router.add_get("/fax/{faxId}/attempts", views.list_attempts, allow_head=False)
    app.router.add_get("/fax/{faxId}/attempts/{attemptId}", views.get_attempt, allow_head=False)
    app.router.add_get("/openapi.json", docs.openapi_json, allow_head=False)
    app.router.add_get("/docs", docs.docs_page, allow_head=False)
    app.router.add_get("/healthz", docs.healthz, allow_head=False)


async def _store_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    config.state_dir.mkdir(parents=True, exist_ok=True)
    clear_staging(config.state_dir)
    store = await Store.open(config.state_dir, config.retry.max_automatic_retries)
    app[STORE] = store
    app[FAXES_DIR_SYNC] = DirSync(config.state_dir / FAXES_DIR)
    await sweep_orphans(store, config.state_dir)  # before the first request (see its docstring)
    yield
    await store.close()


async def _archive_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    app[ARCHIVE_TASK] = asyncio.create_task(archive_loop(
        app[STORE], config.state_dir, config.archive, config.webhooks.keep_delivery_log_days))
    yield
    app[ARCHIVE_TASK].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await app[ARCHIVE_TASK]
