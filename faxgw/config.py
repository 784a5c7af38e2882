"""The daemon's TOML configuration: every key, its default, and why it is there.

Unknown keys are refused as well as bad values, so that a typo (``state-dir``) fails at
start instead of silently falling back to a default. Every error names the key.

```toml
[server]
listen = "127.0.0.1:8025"        # HOST:PORT of the REST API; port 0 picks a free port
admin_key_sha256 = ""            # hex SHA-256 of the admin key (GET /modems, /metrics);
                                 # `faxgw admin-key` makes one; "" = no admin access
metrics_public = false           # true: GET /metrics needs no key (a trusted LAN)
max_connections = 4000           # open API connections in all (lowered to fit the descriptor
                                 # limit); more are answered 503 and closed at once
max_connections_per_client = 256 # ... from one client address
header_timeout_s = 10            # a request's line and headers must arrive within this (408)
body_timeout_s = 120             # its body within this after its headers (408)
keepalive_timeout_s = 15         # an idle connection between requests is closed after this

[logging]
level = "INFO"                   # DEBUG, INFO, WARNING, ERROR
format = "auto"                  # "json": one JSON object per line; "text": for a person;
                                 # "auto": json when stderr is the journal, else text

[storage]
state_dir = "/var/lib/faxgw"     # SQLite file, documents, temporary uploads
reserve_bytes = 268435456        # free space kept: below it, writes are refused (507) and
                                 # /health is degraded, before the disk is full

[limits]
max_upload_bytes = 20971520      # all documents of one POST /fax together (413 beyond)
max_documents = 20               # document parts per fax
search_page_size = 100           # default page size of POST /fax/search
search_page_size_max = 1000      # largest `limit` a search may ask for

[retry]
max_automatic_retries = 5        # automatic retries after the first attempt (6 attempts)
backoff_busy_s = 120             # next attempt after a busy line
backoff_no_answer_s = 600        # ... after no answer
backoff_no_carrier_s = 300       # ... after no fax carrier / not a fax machine
backoff_protocol_s = 180         # ... after a T.30 protocol failure
backoff_modem_fault_s = 30       # ... after a local modem fault (another modem can try)

[archive]
archive_after_days = 30          # terminal faxes leave GET (search still finds them)
purge_files_after_days = 90      # their documents are deleted (records stay)
interval_s = 3600                # how often the archive task runs

[webhooks]                       # every key and default: faxgw/webhooks/settings.py
give_up_after_s = 86400          # a failing delivery is retried this long, then given up
keep_delivery_log_days = 90      # webhook events and delivery attempts, then deleted

[dialplan]                       # what the line dials for a fax's phoneNumber
outside_line_prefix = ""         # e.g. "9," behind a PBX
country_code = ""                # e.g. "1": "+1..." numbers are dialled nationally
national_prefix = ""             # e.g. "1" (NANP) or "0" (Europe)
international_prefix = ""        # e.g. "011" or "00"; "" dials the E.164 digits as they are

[scheduler]
enabled = true                   # false: the API only (nothing is dialled or answered)
poll_interval_s = 1.0            # queue look-ups when nothing happens
local_ident = "+1 555 0199"      # TSI/CSI sent to the far end (digits, + and spaces)
modem_max_failures = 3           # failed calls in a row that take a modem offline
modem_reprobe_s = 60             # an offline modem is probed again after this
simulated_modems = 3             # without [[modem]]: outgoing modems of the built-in hw-sim bank
simulated_timing = "accelerated"
stop_grace_s = 90                # SIGTERM: calls in progress may finish this long, then are
                                 # ended (and recorded as interrupted); unit TimeoutStopSec=120

[inbound]                        # received faxes: every key and default in faxgw/inbound/routing.py
default_tenant = ""              # tenantId for calls no route matches; "" = kept for the admin
page_events_from = 3             # faxes reaching this many pages get an event per page; 0 = never
                                 # [[inbound.route]] tables: tenant, modem and/or called_number

[sender]                         # the header line on every sent page (47 CFR 64.1604)
name = ""                        # who sends: printed as {sender_name}
number = ""                      # its fax number, {sender_number}; "" = scheduler.local_ident
header_format = "{date} {time}   From: {sender_name} {sender_number}   Page {page} of {pages}"
                                 # fields: {date} {time} (when the page is sent) {sender_name}
                                 # {sender_number} {to} {page} {pages}; "" = no header line
                                 # (a fax's own headerLine is still printed)

[[modem]]                        # one table per modem; used by the scheduler
                                 # (none: a built-in hw-sim bank, see README "Scheduler and demo")
name = "modem0"
port = "/dev/ttyACM0"
profile = "hwsim-class1"         # a drivers/*.toml profile name; "" = detect
send = true
receive = false
ecm = true                       # error correction mode (T.30 Annex A) and MMR, when the
                                 # modem and the far end can; false for a misbehaving modem
ecm_frame_size = 256             # octets per ECM frame: 256, or 64 for a noisy line
rings_before_answer = 1          # receive: answer on this RING; 2 on an analog line whose
                                 # caller ID (used by [inbound] routes) comes after ring 1
```
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from faxgw.config_error import ConfigError
from faxgw.inbound.routing import InboundConfig, parse_inbound
from faxgw.webhooks.settings import WebhooksSettings, parse_settings


@dataclass(frozen=True)
class ServerConfig:
    listen: str = "127.0.0.1:8025"
    # The admin key is stored as its hash, so the config file (readable
    # by the service) never holds a usable secret.
    admin_key_sha256: str = ""
    metrics_public: bool = False
    max_connections: int = 4000
    max_connections_per_client: int = 256
    header_timeout_s: float = 10.0
    body_timeout_s: float = 120.0
    keepalive_timeout_s: float = 15.0

    @property
    def host(self) -> str:
        return self.listen.rsplit(":", 1)[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])


@dataclass(frozen=True)
class LoggingConfig:  # read by faxgw/logs.py
    level: str = "INFO"
    format: str = "auto"  # json under systemd (JOURNAL_STREAM), text at a terminal


@dataclass(frozen=True)
class StorageConfig:
    state_dir: str = "/var/lib/faxgw"
    reserve_bytes: int = 256 * 1024 * 1024


@dataclass(frozen=True)
class LimitsConfig:
    max_upload_bytes: int = 20 * 1024 * 1024
    max_documents: int = 20
    search_page_size: int = 100
    search_page_size_max: int = 1000


@dataclass(frozen=True)
class RetryConfig:
    max_automatic_retries: int = 5
    backoff_busy_s: float = 120.0
    backoff_no_answer_s: float = 600.0
    backoff_no_carrier_s: float = 300.0
    backoff_protocol_s: float = 180.0
    backoff_modem_fault_s: float = 30.0

    def backoff_s(self, retry_class: str) -> float:
        """Delay before the next automatic attempt for a failure class (busy, no_answer, ...)."""
        return float(getattr(self, f"backoff_{retry_class}_s", self.backoff_protocol_s))


@dataclass(frozen=True)
class ArchiveConfig:
    archive_after_days: float = 30.0
    purge_files_after_days: float = 90.0
    interval_s: float = 3600.0


@dataclass(frozen=True)
class ModemConfig:
    name: str
    port: str
    profile: str = ""
    send: bool = True
    receive: bool = False
    ecm: bool = True  # error correction mode (and MMR) where the modem and far end can
    ecm_frame_size: int = 256  # 64: smaller ECM frames for a noisy line
    rings_before_answer: int = 1  # 2 on an analog line with caller ID (it comes after ring 1)


# --- scheduler: the dial plan and the modem pool's policy ---------------------
@dataclass(frozen=True)
class DialPlanConfig:
    outside_line_prefix: str = ""    # dialled first to reach the public network, e.g. "9,"
    country_code: str = ""           # this line's country: "+<cc>..." is dialled nationally
    national_prefix: str = ""        # before a national number ("0" in Europe, "1" in NANP)
    international_prefix: str = ""   # before another country's number ("00", "011")


@dataclass(frozen=True)
class SchedulerConfig:
    enabled: bool = True                     # false: API only, nothing is dialled or answered
    poll_interval_s: float = 1.0             # how often the queue is looked at when idle
    local_ident: str = ""                    # our TSI/CSI: digits, "+" and spaces, 20 at most
    modem_max_failures: int = 3              # failed calls in a row before a modem goes offline
    modem_reprobe_s: float = 60.0            # an offline modem is probed again after this
    simulated_modems: int = 3                # outgoing modems of the built-in hw-sim bank
    simulated_timing: str = "accelerated"    # its line timing: accelerated | realtime
    stop_grace_s: float = 90.0               # SIGTERM: calls in progress may end this long


# --- documents: the sender named on the header line of every page ------------
DEFAULT_HEADER_FORMAT = "{date} {time}   From: {sender_name} {sender_number}   Page {page} of {pages}"


@dataclass(frozen=True)
class SenderConfig:
    name: str = ""                            # {sender_name}
    number: str = ""                          # {sender_number}; "" = scheduler.local_ident
    header_format: str = DEFAULT_HEADER_FORMAT  # "" = no header line


@dataclass(frozen=True)
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    retry: RetryConfig = field(default_factory=RetryConfig)
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)
    modems: tuple[ModemConfig, ...] = ()
    webhooks: WebhooksSettings = field(default_factory=WebhooksSettings)
    dialplan: DialPlanConfig = field(default_factory=DialPlanConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    inbound: InboundConfig = field(default_factory=InboundConfig)
    sender: SenderConfig = field(default_factory=SenderConfig)

    @property
    def state_dir(self) -> Path:
        return Path(self.storage.state_dir)


_SECTIONS = {
    "server": ServerConfig,
    "storage": StorageConfig,
    "limits": LimitsConfig,
    "retry": RetryConfig,
    "archive": ArchiveConfig,
    "dialplan": DialPlanConfig,
    "scheduler": SchedulerConfig,
    "logging": LoggingConfig,
    "sender": SenderConfig,
}
_LISTEN = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):(\d{1,5})$")
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


def load(path: str | Path) -> Config:
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: not valid TOML: {exc}") from None
    return from_dict(raw)


def from_dict(raw: dict[str, Any]) -> Config:
    unknown = set(raw) - set(_SECTIONS) - {"modem", "webhooks", "inbound"}
    if unknown:
        raise ConfigError(f"{sorted(unknown)[0]}: unknown section")
    sections = {name: _section(name, cls, raw.get(name, {})) for name, cls in _SECTIONS.items()}
    modems = _modems(raw.get("modem", []))
    # [webhooks] has lists of networks and [inbound] an array of route tables: each has
    # its own parser beside the code it configures, raising the same ConfigError.
    webhooks = parse_settings(raw.get("webhooks"))
    inbound = parse_inbound(raw.get("inbound"))
    config = Config(**sections, modems=modems, webhooks=webhooks, inbound=inbound)
    _check(config)
    return config


def _section(name: str, cls: type, table: Any) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"{name}: must be a table")
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{name}.{key}: unknown key")
        values[key] = _typed(f"{name}.{key}", known[key].type, value)
    return cls(**values)


def _typed(key: str, type_name: Any, value: Any) -> Any:
    # Dataclass field types are strings under `from __future__ import annotations`.
    type_name = str(type_name)
    if type_name == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: must be true or false, not {value!r}")
        return value
    if type_name == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: must be an integer, not {value!r}")
        return value
    if type_name == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}: must be a number, not {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ConfigError(f"{key}: must be a string, not {value!r}")
    return value


def _modems(tables: Any) -> tuple[ModemConfig, ...]:
    if not isinstance(tables, list):
        raise ConfigError("modem: must be an array of tables ([[modem]])")
    modems = []
    for i, table in enumerate(tables):
        if not isinstance(table, dict):
            raise ConfigError(f"modem[{i}]: must be a table")
        for required in ("name", "port"):
            if required not in table:
                raise ConfigError(f"modem[{i}].{required}: missing")
        modems.append(_section(f"modem[{i}]", ModemConfig, table))
    names = [m.name for m in modems]
    for i, m in enumerate(modems):
        if not _NAME.match(m.name):
            raise ConfigError(f"modem[{i}].name: letters, digits, '_', '.', '-' only, 1-32 long")
        if names.index(m.name) != i:
            raise ConfigError(f"modem[{i}].name: {m.name!r} is used twice")
        if not m.port:
            raise ConfigError(f"modem[{i}].port: must not be empty")
        if not (m.send or m.receive):
            raise ConfigError(f"modem[{i}].send: a modem must send, receive or both")
        if m.ecm_frame_size not in (256, 64):
            raise ConfigError(f"modem[{i}].ecm_frame_size: must be 256 or 64")
        if not 1 <= m.rings_before_answer <= 10:
            raise ConfigError(f"modem[{i}].rings_before_answer: must be 1 to 10")
    return tuple(modems)


def _check(c: Config) -> None:
    m = _LISTEN.match(c.server.listen)
    if not m or int(m.group(2)) > 65535:
        raise ConfigError(f"server.listen: expected HOST:PORT, got {c.server.listen!r}")
    if c.server.admin_key_sha256 and not re.fullmatch(r"[0-9a-f]{64}", c.server.admin_key_sha256):
        raise ConfigError("server.admin_key_sha256: 64 lowercase hex digits (faxgw admin-key)")
    if c.logging.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"logging.level: DEBUG, INFO, WARNING or ERROR, not {c.logging.level!r}")
    if c.logging.format not in ("auto", "json", "text"):
        raise ConfigError(f"logging.format: auto, json or text, not {c.logging.format!r}")
    if not c.storage.state_dir:
        raise ConfigError("storage.state_dir: must not be empty")
    if c.storage.reserve_bytes < 0:
        raise ConfigError("storage.reserve_bytes: must not be negative")
    positive = {
        "server.max_connections": c.server.max_connections,
        "server.max_connections_per_client": c.server.max_connections_per_client,
        "server.header_timeout_s": c.server.header_timeout_s,
        "server.body_timeout_s": c.server.body_timeout_s,
        "server.keepalive_timeout_s": c.server.keepalive_timeout_s,
        "limits.max_upload_bytes": c.limits.max_upload_bytes,
        "limits.max_documents": c.limits.max_documents,
        "limits.search_page_size": c.limits.search_page_size,
        "limits.search_page_size_max": c.limits.search_page_size_max,
        "archive.archive_after_days": c.archive.archive_after_days,
        "archive.purge_files_after_days": c.archive.purge_files_after_days,
        "archive.interval_s": c.archive.interval_s,
    }
    for key, value in positive.items():
        if value <= 0:
            raise ConfigError(f"{key}: must be greater than 0, not {value}")
    for f in fields(RetryConfig):
        if getattr(c.retry, f.name) < 0:
            raise ConfigError(f"retry.{f.name}: must not be negative")
    _check_scheduler(c.scheduler)
    _check_sender(c.sender)
    if c.limits.search_page_size > c.limits.search_page_size_max:
        raise ConfigError("limits.search_page_size: larger than limits.search_page_size_max")
    if c.archive.purge_files_after_days < c.archive.archive_after_days:
        raise ConfigError("archive.purge_files_after_days: must not be shorter than archive_after_days")


def _check_scheduler(s: SchedulerConfig) -> None:
    if s.poll_interval_s <= 0 or s.modem_reprobe_s <= 0:
        raise ConfigError("scheduler.poll_interval_s: intervals must be greater than 0")
    if s.stop_grace_s < 0:
        raise ConfigError("scheduler.stop_grace_s: must not be negative")
    if s.modem_max_failures < 1:
        raise ConfigError("scheduler.modem_max_failures: must be at least 1")
    if not 1 <= s.simulated_modems <= 64:
        raise ConfigError("scheduler.simulated_modems: must be within 1..64")
    if s.simulated_timing not in ("accelerated", "realtime"):
        raise ConfigError("scheduler.simulated_timing: accelerated or realtime")
    if len(s.local_ident) > 20 or not re.fullmatch(r"[0-9+ ]*", s.local_ident):
        raise ConfigError("scheduler.local_ident: digits, '+' and spaces, at most 20 (T.30 TSI/CSI)")


def _check_sender(s: SenderConfig) -> None:
    for key in ("name", "number", "header_format"):
        value = getattr(s, key)
        if len(value) > 200 or not value.isprintable():
            raise ConfigError(f"sender.{key}: printable text of at most 200 characters")
