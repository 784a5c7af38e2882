"""Operations endpoints (issue 11): GET /health, GET /metrics, GET /modems.

Auth, kept apart from the tenants' API keys on purpose (a tenant must not see other tenants'
queue sizes or the modems):
* /health is public: a load balancer or a monitoring probe has no key.
* /modems needs the admin key: `Authorization: Bearer <admin key>`, whose SHA-256 is
  `[server] admin_key_sha256` (made by `faxgw admin-key`). The config holds only the hash.
* /metrics needs the admin key too, unless `[server] metrics_public = true` (a trusted LAN
  where Prometheus scrapes without credentials).
The auth middleware leaves these paths to us (OPS_PATHS).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import AsyncIterator

from aiohttp import web

from faxgw import __version__
from faxgw.api.errors import error_response
from faxgw.api.keys import CONFIG, STORE
from faxgw.lifecycle import FAX_STATES, QUEUED
from faxgw.metrics import CONTENT_TYPE, Metrics
from faxgw.outcome import Outcome

OPS_PATHS = frozenset({"/health", "/metrics", "/modems"})
METRICS = web.AppKey("metrics", Metrics)
# Per modem: {"calls": n, "succeeded": n, "failed": n} since the daemon started.
MODEM_COUNTERS = web.AppKey("modem_counters", dict)
REPORTED_MODEMS = web.AppKey("reported_modems", set)  # modems in faxgw_modem_state

QUEUED_SQL = "(" + ", ".join(sorted(f"'{s.value}'" for s in QUEUED)) + ")"


def new_admin_key() -> tuple[str, str]:
    key = "fgwadm_" + secrets.token_urlsafe(32)
    return key, hashlib.sha256(key.encode()).hexdigest()


def add_routes(app: web.Application) -> None:
    app.router.add_get("/health", health, allow_head=False)
    app.router.add_get("/metrics", metrics_view, allow_head=False)
    app.router.add_get("/modems", modems_view, allow_head=False)
    app[MODEM_COUNTERS] = {}
    app[REPORTED_MODEMS] = set()
    app.cleanup_ctx.append(_metrics_ctx)


# --- numbers from the store ---------------------------------------------------------------
# Faxes by status come from fax_status_counts, which triggers keep in the transaction of every
# change (migration 0005): a scrape reads a dozen rows however many faxes the box has sent.
async def faxes_by_status(store) -> dict[str, int]:
    """Every status a fax can be in, 0 included: a gauge that drops to 0 must say so, not
    vanish (an alert on FaxFailed would never see it clear)."""
    rows = await store.db.fetchall("SELECT status, live FROM fax_status_counts")
    counts = {s.value: 0 for s in FAX_STATES}
    counts.update({row[0]: row[1] for row in rows})
    return counts


async def queue_depth(store) -> int:
    # Queued faxes are never archived (only terminal ones are), so the live counts are theirs.
    row = await store.db.fetchone(
        f"SELECT COALESCE(SUM(live), 0) FROM fax_status_counts WHERE status IN {QUEUED_SQL}")
    return row[0]


async def webhook_backlog(store) -> int:
    row = await store.db.fetchone(
        "SELECT COUNT(*) FROM webhook_deliveries INDEXED BY webhook_deliveries_due "
        "WHERE state = 'pending'")
    return row[0]


async def _metrics_ctx(app: web.Application) -> AsyncIterator[None]:
    store = app[STORE]
    app[METRICS] = Metrics(faxes_by_status=lambda: faxes_by_status(store),
                           queue_depth=lambda: queue_depth(store),
                           webhook_backlog=lambda: webhook_backlog(store),
                           known_outcomes=[o.value for o in Outcome], version=__version__)
    yield


# --- modems, from the scheduler's pool (absent when [scheduler] enabled = false) ----------
def _pool(app: web.Application):
    from faxgw.scheduler.wiring import SCHEDULER

    scheduler = app.get(SCHEDULER)
    return scheduler.pool if scheduler is not None else None


def modem_list(app: web.Application) -> list[dict]:
    pool = _pool(app)
    if pool is None:
        return []
    counters = app[MODEM_COUNTERS]
    out = []
    for m in pool.modems:
        info = m.modem.info if m.modem is not None else None
        out.append({
            "name": m.name, "port": m.config.port,
            # The pool drives every modem in Class 1 (it refuses one without it at probe).
            "class": "1",
            "profile": m.modem.profile.name if m.modem is not None else None,
            "manufacturer": info.manufacturer if info else None,
            "model": info.model if info else None,
            "state": m.state.value, "send": m.config.send, "receive": m.config.receive,
            "lastError": m.reason or None,
            "counters": {"failuresInARow": m.failures,
                         **counters.get(m.name, {"calls": 0, "succeeded": 0, "failed": 0})},
        })
    return out


def readiness(app: web.Application) -> str | None:
    """None when ready, else why not."""
    if STORE not in app:
        return "the store is not open"
    if not app[CONFIG].scheduler.enabled:
        return None  # the API alone: the store is all it needs
    pool = _pool(app)
    if pool is None:
        return "the scheduler has not started"
    usable = [m for m in pool.modems if m.state.value in ("idle", "busy")]
    if not usable:
        why = "; ".join(f"{m.name} {m.state.value}: {m.reason}" for m in pool.modems)
        return "no usable modem" + (f" ({why})" if why else "")
    return None


async def summary(app: web.Application) -> str:
    """One line for systemd's STATUS=: modem states and the queue."""
    counts = {"idle": 0, "busy": 0, "offline": 0, "probing": 0}
    pool = _pool(app)
    for m in pool.modems if pool else ():
        counts[m.state.value] = counts.get(m.state.value, 0) + 1
    modems = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no modems"
    return f"modems: {modems}; {await queue_depth(app[STORE])} queued"


# --- handlers -----------------------------------------------------------------------------
def _admin_refusal(request: web.Request) -> web.Response | None:
    expected = request.app[CONFIG].server.admin_key_sha256
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    given = hashlib.sha256(key.strip().encode()).hexdigest()
    if expected and scheme.lower() == "bearer" and hmac.compare_digest(given, expected):
        return None
    hint = "" if expected else " (none is configured: [server] admin_key_sha256)"
    resp = error_response(401, "unauthorized",
                          "The admin key is required: Authorization: Bearer <admin key>" + hint)
    resp.headers["WWW-Authenticate"] = 'Bearer realm="faxgw-admin"'
    return resp


async def health(request: web.Request) -> web.Response:
    reason = readiness(request.app)
    body = {"live": True, "ready": reason is None, "reason": reason}
    return web.json_response(body, status=200 if reason is None else 503)


async def metrics_view(request: web.Request) -> web.Response:
    if not request.app[CONFIG].server.metrics_public:
        if (refusal := _admin_refusal(request)) is not None:
            return refusal
    metrics = request.app[METRICS]
    pool = _pool(request.app)
    names = {m.name for m in pool.modems} if pool else set()
    reported = request.app[REPORTED_MODEMS]
    for gone in reported - names:  # reloaded out of the config (SIGHUP): series go
        metrics.remove_modem(gone)
    reported.clear()
    reported.update(names)
    for m in pool.modems if pool else ():
        metrics.set_modem_state(m.name, m.state.value)
    await metrics.refresh()
    # CONTENT_TYPE carries a charset, which web.Response(content_type=) refuses.
    return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})


async def modems_view(request: web.Request) -> web.Response:
    if (refusal := _admin_refusal(request)) is not None:
        return refusal
    return web.json_response({"modems": modem_list(request.app)})


def attempt_listener(app: web.Application):
    """For AttemptContext.on_finished: the metrics and the per-modem counters."""
    metrics, counters = app[METRICS], app[MODEM_COUNTERS]

    def finished(outcome: str, call_seconds: float | None, modem: str,
                 page_seconds: list[float]) -> None:
        metrics.attempt_finished(outcome, call_seconds)
        for seconds in page_seconds:
            metrics.page_sent(seconds)
        c = counters.setdefault(modem, {"calls": 0, "succeeded": 0, "failed": 0})
        c["calls"] += 1
        c["succeeded" if outcome == Outcome.SUCCESS.value else "failed"] += 1
    return finished
