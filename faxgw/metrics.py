"""Prometheus metrics for `GET /metrics`.

Each Metrics owns its CollectorRegistry (never the process-global one), so two apps in one
test process do not clash. Two kinds of numbers:

* events, pushed by the scheduler as they happen: attempt_finished(), page_sent(),
  set_modem_state(), remove_modem();
* counts that live in the store (faxes by status, queue depth, webhook backlog), pulled
  through callbacks the daemon passes in. The store is async, so the /metrics handler
  first awaits refresh(), which calls them, then returns render():

    async def metrics_handler(request):
        metrics = request.app[METRICS_KEY]
        await metrics.refresh()
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})
"""
from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry, Counter, Gauge, Histogram, generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST

T = TypeVar("T")
Source = Callable[[], T | Awaitable[T]]  # a plain or an async function

# A call is connect + training + pages + hang-up: from under a minute to half an hour.
CALL_SECONDS_BUCKETS = (10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1200, 1800)
# One page at 14400 bit/s takes about 10-30 s, at 2400 bit/s several minutes.
PAGE_SECONDS_BUCKETS = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600)


class Metrics:
    def __init__(self, *,
                 faxes_by_status: Source[Mapping[str, int]] | None = None,
                 queue_depth: Source[int] | None = None,
                 webhook_backlog: Source[int] | None = None,
                 known_outcomes: Iterable[str] = (),
                 version: str = "unknown") -> None:
        """`known_outcomes` (the names of faxgw's outcome catalogue) start at 0, so that
        rate() sees the first failure of a kind instead of a series appearing from nowhere."""
        self.registry = CollectorRegistry()
        self._store_counts = _StoreCounts(faxes_by_status, queue_depth, webhook_backlog)
        self.registry.register(self._store_counts)
        for standard in (_SandboxedProcessCollector, PlatformCollector, GCCollector):
            standard(registry=self.registry)
        info = Gauge("faxgw_build_info", "Always 1; the version as a label",
                     ["version"], registry=self.registry)
        info.labels(version).set(1)
        self._attempts = Counter(
            "faxgw_attempts", "Finished call attempts, by outcome", ["outcome"],
            registry=self.registry)
        for outcome in known_outcomes:
            self._attempts.labels(outcome)
        self._call_seconds = Histogram(
            "faxgw_call_duration_seconds", "Duration of a call, dial to hang-up",
            buckets=CALL_SECONDS_BUCKETS, registry=self.registry)
        self._page_seconds = Histogram(
            "faxgw_page_duration_seconds", "Time to send one page, start of data to MCF",
            buckets=PAGE_SECONDS_BUCKETS, registry=self.registry)
        self._modem_state = Gauge(
            "faxgw_modem_state", "1 for each modem's current state, 0 for its earlier ones",
            ["modem", "state"], registry=self.registry)
        self._modem_states_seen: dict[str, set[str]] = {}

    # --- events, from the scheduler ---

    def attempt_finished(self, outcome: str, call_seconds: float | None = None) -> None:
        """One attempt ended; `call_seconds` when a call was actually placed."""
        self._attempts.labels(outcome).inc()
        if call_seconds is not None:
            self._call_seconds.observe(call_seconds)

    def page_sent(self, seconds: float) -> None:
        self._page_seconds.observe(seconds)

    def set_modem_state(self, modem: str, state: str) -> None:
        """Earlier states of the modem drop to 0 rather than vanish, so an alert on
        faxgw_modem_state{state="error"} == 1 also sees the modem recover."""
        seen = self._modem_states_seen.setdefault(modem, set())
        for old in seen - {state}:
            self._modem_state.labels(modem, old).set(0)
        seen.add(state)
        self._modem_state.labels(modem, state).set(1)

    def remove_modem(self, modem: str) -> None:
        """The modem left the config (SIGHUP): its series go away."""
        for state in self._modem_states_seen.pop(modem, set()):
            self._modem_state.remove(modem, state)

    # --- counts from the store, and the exposition ---

    async def refresh(self) -> None:
        """Ask the daemon's callbacks for the store counts; a failing callback raises,
        so the scrape fails visibly instead of reporting stale numbers."""
        await self._store_counts.refresh()

    def render(self) -> bytes:
        """The text exposition format, for the body of GET /metrics."""
        return generate_latest(self.registry)


class _StoreCounts(Collector):
    """Gauges whose values were fetched by the last refresh(); absent until then."""

    def __init__(self, faxes_by_status: Source[Mapping[str, int]] | None,
                 queue_depth: Source[int] | None, webhook_backlog: Source[int] | None) -> None:
        self._sources = {"faxes_by_status": faxes_by_status, "queue_depth": queue_depth,
                         "webhook_backlog": webhook_backlog}
        self._values: dict[str, object] = {}

    async def refresh(self) -> None:
        fresh = {}
        for name, source in self._sources.items():
            if source is not None:
                fresh[name] = await _call(source)
        self._values = fresh

    def collect(self) -> Iterator[Metric]:
        if "faxes_by_status" in self._values:
            faxes = GaugeMetricFamily("faxgw_faxes", "Faxes in the store, by status",
                                      labels=["status"])
            for status, count in sorted(self._values["faxes_by_status"].items()):
                faxes.add_metric([status], count)
            yield faxes
        if "queue_depth" in self._values:
            yield GaugeMetricFamily("faxgw_queue_depth", "Faxes waiting for a modem",
                                    value=self._values["queue_depth"])
        if "webhook_backlog" in self._values:
            yield GaugeMetricFamily("faxgw_webhook_backlog",
                                    "Webhook events not yet delivered",
                                    value=self._values["webhook_backlog"])


class _SandboxedProcessCollector(ProcessCollector):
    """process_* metrics that survive ProcSubset=pid (faxgw.service), which hides
    /proc/stat: the stock collector reads the boot time there and, failing, exports
    nothing at all. CLOCK_BOOTTIME gives the same instant."""

    def _boot_time(self) -> float:
        return time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)


async def _call(source: Source[T]) -> T:
    result = source()
    return await result if inspect.isawaitable(result) else result
