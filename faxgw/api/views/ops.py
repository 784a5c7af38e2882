"""The operations endpoints: GET /health, GET /metrics, GET /modems (who may call them:
faxgw/api/access.py)."""

from __future__ import annotations

from aiohttp import web

from faxgw.api.access import admin_refusal
from faxgw.api.disk_space import space_of
from faxgw.api.keys import SERVICES
from faxgw.api.status import modem_list, readiness
from faxgw.metrics import CONTENT_TYPE


async def health(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    reason = readiness(services)
    space = space_of(services.state.root, services.config.storage.reserve_bytes)
    if reason is None and space.low:
        reason = (f"disk below its reserve: {space.free_bytes} bytes free, reserve "
                  f"{space.reserve_bytes}; new faxes are refused")
    body = {"live": True, "ready": reason is None, "reason": reason, "degraded": space.low,
            "storage": {"freeBytes": space.free_bytes, "reserveBytes": space.reserve_bytes}}
    return web.json_response(body, status=200 if reason is None else 503)


async def metrics_view(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    if not services.config.server.metrics_public:
        if (refusal := admin_refusal(request)) is not None:
            return refusal
    metrics = services.metrics
    modems = services.modems() or []
    names = {m.name for m in modems}
    reported = services.reported_modems
    for gone in reported - names:  # reloaded out of the config (SIGHUP): series go
        metrics.remove_modem(gone)
    reported.clear()
    reported.update(names)
    for m in modems:
        metrics.set_modem_state(m.name, m.state)
    await metrics.refresh()
    # CONTENT_TYPE carries a charset, which web.Response(content_type=) refuses.
    space = space_of(services.state.root, services.config.storage.reserve_bytes)
    return web.Response(body=metrics.render() + space.exposition(), headers={"Content-Type": CONTENT_TYPE})


async def modems_view(request: web.Request) -> web.Response:
    if (refusal := admin_refusal(request)) is not None:
        return refusal
    return web.json_response({"modems": modem_list(request.app[SERVICES])})
