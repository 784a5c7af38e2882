"""What the handlers need, in one typed object: the daemon builds and starts each service,
then hands this to ``create_app``. The app only carries it; it builds nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from faxgw.api.uploads import DirSync
from faxgw.api.validation import BatchedValidation
from faxgw.config import Config
from faxgw.documents.service import FaxDocuments
from faxgw.metrics import Metrics
from faxgw.scheduler.modem_status import ModemStatus
from faxgw.state_dir import StateDir
from faxgw.store import Store
from faxgw.webhooks.worker import WebhookWorker


def no_modems() -> list[ModemStatus] | None:
    """The modem snapshot when the scheduler is disabled (the API alone)."""
    return None


@dataclass
class AttemptCounters:
    """Per modem: calls, succeeded, failed since the daemon started (GET /modems)."""

    by_modem: dict[str, dict[str, int]] = field(default_factory=dict)

    def of(self, modem: str) -> dict[str, int]:
        return self.by_modem.get(modem, {"calls": 0, "succeeded": 0, "failed": 0})

    def count(self, modem: str, succeeded: bool) -> None:
        counts = self.by_modem.setdefault(modem, {"calls": 0, "succeeded": 0, "failed": 0})
        counts["calls"] += 1
        counts["succeeded" if succeeded else "failed"] += 1


@dataclass
class Services:
    # The running config. A reload (SIGHUP) replaces it with one whose [webhooks] is new.
    config: Config
    state: StateDir
    store: Store
    # The one fsync of <state>/faxes/ that concurrent submissions share (see api/uploads.py).
    faxes_dir_sync: DirSync
    webhook_worker: WebhookWorker
    documents: FaxDocuments
    validation: BatchedValidation
    metrics: Metrics
    attempts: AttemptCounters
    # A copy of the modems' states from the scheduler; None until its pool started.
    modems: Callable[[], list[ModemStatus] | None] = no_modems
    # The modems the metrics have a faxgw_modem_state series of (a reload may drop some).
    reported_modems: set[str] = field(default_factory=set)
