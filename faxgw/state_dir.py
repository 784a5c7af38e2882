"""The layout of the state directory (``[storage] state_dir``): every file and folder the
daemon keeps there, named once. Other modules ask here instead of joining names themselves.

    faxgw.sqlite3                       the database (faxes, attempts, events, tenants)
    faxgw.sqlite3.webhook-worker.lock   held by the one process that delivers webhooks
    faxes/<faxId>/                      a submitted fax's documents and rendered pages
    tmp/                                uploads while a request is read (not a fax yet)
    received/<receivedId>/              a received fax's pages, PDF and TIFF
    scheduler-stats.json                the scheduler's statistics, rewritten every few seconds

Relative names (``FAXES_DIR``, ``RECEIVED_DIR``) are what the database stores: a state
directory moved as a whole keeps working.

Nothing here is for other local users: the database holds patient metadata and the webhook
signing secrets. ``prepare`` makes the daemon's umask keep every bit for the group and other users off
(files 0600, folders 0700) whatever umask it was started with, and takes those bits off the
folders and the database files that exist already (made by an older version or by hand);
the files inside faxes/ and received/ are out of reach behind their folders.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

DATABASE_FILE = "faxgw.sqlite3"
WEBHOOK_WORKER_LOCK_SUFFIX = ".webhook-worker.lock"
FAXES_DIR = "faxes"
STAGING_DIR = "tmp"
RECEIVED_DIR = "received"
SCHEDULER_STATS_FILE = "scheduler-stats.json"
# Bits the daemon never gives: any for the group or other users. (A group of its own would
# allow 0640, but outside systemd the user's group is often shared, so none.)
PRIVATE_UMASK = 0o077


@dataclass(frozen=True)
class StateDir:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / DATABASE_FILE

    @property
    def faxes(self) -> Path:
        return self.root / FAXES_DIR

    @property
    def staging(self) -> Path:
        return self.root / STAGING_DIR

    @property
    def received(self) -> Path:
        return self.root / RECEIVED_DIR

    @property
    def scheduler_stats(self) -> Path:
        return self.root / SCHEDULER_STATS_FILE

    def fax_folder(self, fax_id: str) -> Path:
        return self.faxes / fax_id

    def prepare(self) -> None:
        """At start, before any request: the folders exist, and uploads a stop or crash cut
        off are gone (nothing in staging is a fax yet)."""
        keep_private()
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True, exist_ok=True)
        self.faxes.mkdir(parents=True, exist_ok=True)
        self.received.mkdir(parents=True, exist_ok=True)
        for path in (self.root, self.staging, self.faxes, self.received, *self._database_files()):
            _take_away_public_bits(path)

    def _database_files(self) -> list[Path]:
        return [p for p in self.root.glob(DATABASE_FILE + "*") if p.is_file()]


def keep_private() -> None:
    """The process's umask from now on: at least PRIVATE_UMASK (a stricter one stays)."""
    current = os.umask(PRIVATE_UMASK)
    os.umask(current | PRIVATE_UMASK)


def _take_away_public_bits(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & PRIVATE_UMASK:
        path.chmod(mode & ~PRIVATE_UMASK)


def webhook_worker_lock(database: Path) -> Path:
    """The lock file beside a database (tests open databases outside a state directory)."""
    return database.with_name(database.name + WEBHOOK_WORKER_LOCK_SUFFIX)
