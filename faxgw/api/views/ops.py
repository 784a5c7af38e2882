"""The operations endpoints: GET /health, GET /metrics, GET /modems (who may call them:
faxgw/api/access.py)."""

from __future__ import annotations

from aiohttp import web

from faxgw.api.access import admin_refusal
from faxgw.api.keys import SERVICES
from faxgw.api.status import modem_list, readiness
from faxgw.metrics import CONTENT_TYPE


async def health(request: web.Request) -> web.Response:
    reason = readiness(request.app[SERVICES])
    body = {"live": True, "ready": reason is None, "reason": reason}
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
    return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})


async def modems_view(request: web.Request) -> web.Response:
    if (refusal := admin_refusal(request)) is not None:
        return refusal
    return web.json_response({"modems": modem_list(request.app[SERVICES])})
