"""What the operations endpoints and systemd's STATUS line report: faxes by status, the
queue, the webhook backlog, the modems (from the scheduler's snapshot), readiness."""

from __future__ import annotations

from faxgw import __version__
from faxgw.api.services import AttemptCounters, Services
from faxgw.lifecycle import FAX_STATES, QUEUED
from faxgw.metrics import Metrics
from faxgw.outcome import Outcome
from faxgw.store import Store

QUEUED_SQL = "(" + ", ".join(sorted(f"'{s.value}'" for s in QUEUED)) + ")"


# --- numbers from the store ---------------------------------------------------------------
# Faxes by status come from fax_status_counts, which triggers keep in the transaction of every
# change (migration 0005): a scrape reads a dozen rows however many faxes the box has sent.
async def faxes_by_status(store: Store) -> dict[str, int]:
    """Every status a fax can be in, 0 included: a gauge that drops to 0 must say so, not
    vanish (an alert on FaxFailed would never see it clear)."""
    rows = await store.db.fetchall("SELECT status, live FROM fax_status_counts")
    counts = {s.value: 0 for s in FAX_STATES}
    counts.update({row[0]: row[1] for row in rows})
    return counts


async def queue_depth(store: Store) -> int:
    # Queued faxes are never archived (only terminal ones are), so the live counts are theirs.
    row = await store.db.fetchone(
        f"SELECT COALESCE(SUM(live), 0) FROM fax_status_counts WHERE status IN {QUEUED_SQL}")
    return row[0]


async def webhook_backlog(store: Store) -> int:
    row = await store.db.fetchone(
        "SELECT COUNT(*) FROM webhook_deliveries INDEXED BY webhook_deliveries_due "
        "WHERE state = 'pending'")
    return row[0]


def new_metrics(store: Store) -> Metrics:
    return Metrics(faxes_by_status=lambda: faxes_by_status(store),
                   queue_depth=lambda: queue_depth(store),
                   webhook_backlog=lambda: webhook_backlog(store),
                   known_outcomes=[o.value for o in Outcome], version=__version__)


def attempt_listener(metrics: Metrics, counters: AttemptCounters):
    """For the scheduler's attempts (AttemptContext.on_finished): the metrics and the
    per-modem counters."""

    def finished(outcome: str, call_seconds: float | None, modem: str,
                 page_seconds: list[float]) -> None:
        metrics.attempt_finished(outcome, call_seconds)
        for seconds in page_seconds:
            metrics.page_sent(seconds)
        counters.count(modem, outcome == Outcome.SUCCESS.value)
    return finished


# --- modems, from the scheduler's snapshot (none when [scheduler] enabled = false) ---------
def modem_list(services: Services) -> list[dict]:
    out = []
    for m in services.modems() or ():
        out.append({
            "name": m.name, "port": m.port,
            "class": m.service_class,  # "1" (faxgw runs T.30), "2.0" or "2" (the modem does)
            "profile": m.profile, "manufacturer": m.manufacturer, "model": m.model,
            "state": m.state, "send": m.send, "receive": m.receive,
            "lastError": m.reason or None,
            "counters": {"failuresInARow": m.failures_in_a_row, **services.attempts.of(m.name)},
        })
    return out


def readiness(services: Services) -> str | None:
    """None when ready, else why not."""
    if not services.config.scheduler.enabled:
        return None  # the API alone: the store is all it needs
    modems = services.modems()
    if modems is None:
        return "the scheduler has not started"
    if not any(m.usable for m in modems):
        why = "; ".join(f"{m.name} {m.state}: {m.reason}" for m in modems)
        return "no usable modem" + (f" ({why})" if why else "")
    return None


async def summary(services: Services) -> str:
    """One line for systemd's STATUS=: modem states and the queue."""
    counts = {"idle": 0, "busy": 0, "offline": 0, "probing": 0}
    for m in services.modems() or ():
        counts[m.state] = counts.get(m.state, 0) + 1
    modems = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no modems"
    return f"modems: {modems}; {await queue_depth(services.store)} queued"
