"""Every route of the API, in one place. Order matters where templates overlap: aiohttp takes
the first resource that matches, so literal paths come before ``/fax/{faxId}``."""

from __future__ import annotations

from aiohttp import web

from faxgw.api.access import ADMIN_PREFIX
from faxgw.api.views import (admin, attempts, destinations, docs, events, fax_pages,
                             fax_submission, faxes, ops, received_faxes, webhook_endpoints)


def add_routes(router: web.UrlDispatcher) -> None:
    _faxes(router)
    router.add_get("/openapi.json", docs.openapi_json, allow_head=False)
    router.add_get("/docs", docs.docs_page, allow_head=False)
    router.add_get("/healthz", docs.healthz, allow_head=False)
    router.add_get("/health", ops.health, allow_head=False)
    router.add_get("/metrics", ops.metrics_view, allow_head=False)
    router.add_get("/modems", ops.modems_view, allow_head=False)
    _received(router)
    destinations.add_routes(router)


def _faxes(router: web.UrlDispatcher) -> None:
    router.add_post("/fax", fax_submission.send_fax, expect_handler=fax_submission.expect_upload)
    router.add_post("/fax/search", faxes.search_faxes)
    router.add_post("/fax/webhook/endpoints", webhook_endpoints.create_endpoint)
    router.add_get("/fax/webhook/endpoints", webhook_endpoints.list_endpoints, allow_head=False)
    router.add_delete("/fax/webhook/endpoints", webhook_endpoints.delete_endpoint)
    # Before /fax/{faxId}, which would take /fax/events; any other method on it is a 405.
    router.add_get("/fax/events", events.list_events, allow_head=False)
    router.add_route("*", "/fax/events", events.only_get)
    router.add_get("/fax/{faxId}/events", events.fax_events, allow_head=False)
    router.add_post("/fax/webhook/endpoints/{endpointId}/rotate-secret",
                    webhook_endpoints.rotate_endpoint_secret)
    router.add_get("/fax/{faxId}", faxes.get_fax, allow_head=False)
    router.add_delete("/fax/{faxId}", faxes.stop_fax)
    router.add_put("/fax/{faxId}/retry", faxes.retry_fax)
    router.add_put("/fax/{faxId}/hold", faxes.hold_fax)
    router.add_put("/fax/{faxId}/revive", faxes.revive_fax)
    router.add_get("/fax/{faxId}/pages/{n}", fax_pages.page_png, allow_head=False)
    router.add_get("/fax/{faxId}/attempts", attempts.list_attempts, allow_head=False)
    router.add_get("/fax/{faxId}/attempts/{attemptId}", attempts.get_attempt, allow_head=False)


def _received(router: web.UrlDispatcher) -> None:
    router.add_post("/received/search", received_faxes.search_received)
    router.add_get("/received/{receivedId}", received_faxes.get_received, allow_head=False)
    router.add_delete("/received/{receivedId}", received_faxes.delete_received)
    router.add_put("/received/{receivedId}/read", received_faxes.mark_read)
    router.add_get("/received/{receivedId}/pdf", received_faxes.download_pdf, allow_head=False)
    router.add_get("/received/{receivedId}/tiff", received_faxes.download_tiff, allow_head=False)
    router.add_get("/received/{receivedId}/pages/{n}", received_faxes.page_png, allow_head=False)
    router.add_get(ADMIN_PREFIX, admin.admin_list, allow_head=False)
    router.add_get(ADMIN_PREFIX + "/{receivedId}/pdf", admin.admin_pdf, allow_head=False)
    router.add_put(ADMIN_PREFIX + "/{receivedId}/tenant", admin.admin_assign)
