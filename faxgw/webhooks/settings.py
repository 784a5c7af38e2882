"""The ``[webhooks]`` table of the config file, with a documented default for every key.

    [webhooks]
    give_up_after_s = 86400        # retry a failing delivery this long, then give it up
    backoff_base_s = 1.0           # first retry within this many seconds (full jitter)
    backoff_max_step_s = 600.0     # no single wait longer than this
    concurrency = 32               # deliveries in flight at once, all endpoints together
    per_endpoint_concurrency = 4   # in flight to one endpoint: a slow one cannot take all
    per_tenant_concurrency = 0     # in flight for one tenant; 0: concurrency less
                                   # per_endpoint_concurrency (28), so a tenant whose receiver
                                   # hangs on many endpoints still leaves slots to the others
    connect_timeout_s = 3.0
    total_timeout_s = 10.0         # connect + send + response headers + excerpt
    max_response_bytes = 4096      # of a receiver's answer, kept for the attempt record
    allow_networks = ["0.0.0.0/0", "::/0"]
    deny_networks = ["0.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
                     "::/128", "fe80::/10", "ff00::/8"]
    own_networks = ["127.0.0.0/8", "::1/128"]   # addresses of the box itself, besides the
                                   # ones its interfaces have (always refused, every port)
    own_ports = []                 # faxgw's API port is always added; add admin ports here
    allow_own_ports = []           # ports of the box webhooks may reach (a receiver running
                                   # next to faxgw), 9000 or "9000-9100"; never own_ports
    tenant_allow_networks = {}     # tenantId -> networks: that tenant's webhooks may reach
                                   # only these (within allow_networks), e.g.
                                   # {"3f2a...": ["192.168.10.0/24"]}
    keep_response_body = false     # true: the first max_response_bytes of a receiver's answer
                                   # are kept and shown to its tenant (GET /fax/{id}/events);
                                   # false: status code and timing only
    secret_grace_s = 86400         # default grace period of a rotated signing secret
    source = "urn:faxgw"           # the CloudEvents "source" of every event
    outbox_poll_s = 0.5            # look for events written by other processes this often
    keep_delivery_log_days = 90    # events, deliveries and attempts are kept this long (but
                                   # never past [archive] purge_files_after_days), then the
                                   # archive task deletes them; never while still pending
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, fields
from typing import Any, Mapping

from faxgw.config_error import ConfigError
from faxgw.webhooks.backoff import DAY_S, BackoffPolicy
from faxgw.webhooks.delivery import DeliveryLimits
from faxgw.webhooks.envelope import DEFAULT_SOURCE
from faxgw.webhooks.url_policy import (DEFAULT_ALLOW, DEFAULT_DENY, DEFAULT_OWN_NETWORKS, UrlPolicy,
                                       parse_port_range)



@dataclass(frozen=True)
class WebhooksSettings:
    give_up_after_s: float = DAY_S
    backoff_base_s: float = 1.0
    backoff_max_step_s: float = 600.0
    concurrency: int = 32
    per_endpoint_concurrency: int = 4
    per_tenant_concurrency: int = 0  # 0: see tenant_slots
    connect_timeout_s: float = 3.0
    total_timeout_s: float = 10.0
    max_response_bytes: int = 4096
    allow_networks: tuple[str, ...] = DEFAULT_ALLOW
    deny_networks: tuple[str, ...] = DEFAULT_DENY
    own_networks: tuple[str, ...] = DEFAULT_OWN_NETWORKS
    own_ports: tuple[int, ...] = ()
    allow_own_ports: tuple[int | str, ...] = ()
    tenant_allow_networks: tuple[tuple[str, tuple[str, ...]], ...] = ()
    keep_response_body: bool = False
    secret_grace_s: float = DAY_S
    source: str = DEFAULT_SOURCE
    outbox_poll_s: float = 0.5
    keep_delivery_log_days: float = 90.0

    @property
    def tenant_slots(self) -> int:
        """Attempts one tenant may have running: one endpoint's share stays for the others."""
        if self.per_tenant_concurrency:
            return self.per_tenant_concurrency
        return max(self.per_endpoint_concurrency, self.concurrency - self.per_endpoint_concurrency)

    def backoff(self) -> BackoffPolicy:
        return BackoffPolicy(
            base_s=self.backoff_base_s,
            max_step_s=self.backoff_max_step_s,
            min_step_s=min(0.1, self.backoff_base_s),
            give_up_after_s=self.give_up_after_s,
        )

    def limits(self) -> DeliveryLimits:
        return DeliveryLimits(
            connect_timeout_s=self.connect_timeout_s,
            total_timeout_s=self.total_timeout_s,
            max_response_bytes=self.max_response_bytes if self.keep_response_body else 0,
            connections_per_host=self.per_endpoint_concurrency,
        )

    def url_policy(self, api_ports: tuple[int, ...] = ()) -> UrlPolicy:
        return UrlPolicy.from_config(
            allow=self.allow_networks,
            deny=self.deny_networks,
            own_ports=tuple(self.own_ports) + tuple(api_ports),
            own_networks=self.own_networks,
            allow_own_ports=self.allow_own_ports,
        )

    def tenant_networks(self, tenant_id: str) -> tuple[str, ...] | None:
        """The networks a tenant's webhooks are narrowed to, or None when not narrowed."""
        return dict(self.tenant_allow_networks).get(tenant_id)


_NUMBERS = {"give_up_after_s", "backoff_base_s", "backoff_max_step_s", "connect_timeout_s",
            "total_timeout_s", "secret_grace_s", "outbox_poll_s", "keep_delivery_log_days"}
_COUNTS = {"concurrency", "per_endpoint_concurrency", "max_response_bytes"}
_NETWORK_LISTS = {"allow_networks", "deny_networks", "own_networks"}


def parse_settings(table: Mapping[str, Any] | None) -> WebhooksSettings:
    """Validate a ``[webhooks]`` TOML table; unknown keys are refused (typos must not pass)."""
    table = dict(table or {})
    known = {f.name for f in fields(WebhooksSettings)}
    for key in table:
        if key not in known:
            raise ConfigError(f"webhooks.{key}: unknown key")
    values: dict[str, Any] = {}
    for key, value in table.items():
        values[key] = _parse_value(key, value)
    settings = WebhooksSettings(**values)
    _check_consistency(settings)
    return settings


def _parse_value(key: str, value: Any) -> Any:
    name = f"webhooks.{key}"
    if key in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{name}: expected a non-negative number")
        return float(value)
    if key in _COUNTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name}: expected a positive integer")
        return value
    if key == "per_tenant_concurrency":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{name}: expected a positive integer, or 0 for the default share")
        return value
    if key in _NETWORK_LISTS:
        if not isinstance(value, list):
            raise ConfigError(f"{name}: expected a list of networks like \"10.0.0.0/8\"")
        for spec in value:
            try:
                ipaddress.ip_network(spec, strict=False)
            except (TypeError, ValueError):
                raise ConfigError(f"{name}: {spec!r} is not a network") from None
        return tuple(value)
    if key == "allow_own_ports":
        if not isinstance(value, list):
            raise ConfigError(f"{name}: expected a list of TCP ports or \"first-last\" ranges")
        for spec in value:
            try:
                parse_port_range(spec)
            except ValueError:
                raise ConfigError(f"{name}: {spec!r} is not a TCP port or \"first-last\" range") from None
        return tuple(value)
    if key == "own_ports":
        if not isinstance(value, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536 for p in value
        ):
            raise ConfigError(f"{name}: expected a list of TCP ports")
        return tuple(value)
    if key == "keep_response_body":
        if not isinstance(value, bool):
            raise ConfigError(f"{name}: expected true or false")
        return value
    if key == "tenant_allow_networks":
        if not isinstance(value, dict):
            raise ConfigError(f"{name}: expected a table of tenantId = [networks]")
        return tuple((str(tenant), _parse_value("allow_networks", networks))
                     for tenant, networks in value.items())
    if key == "source":
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{name}: expected a non-empty URI reference")
        return value
    raise ConfigError(f"{name}: unknown key")


def _check_consistency(settings: WebhooksSettings) -> None:
    if settings.backoff_base_s <= 0:
        raise ConfigError("webhooks.backoff_base_s: must be greater than 0")
    if settings.backoff_max_step_s < settings.backoff_base_s:
        raise ConfigError("webhooks.backoff_max_step_s: must be at least backoff_base_s")
    for key in ("connect_timeout_s", "total_timeout_s", "outbox_poll_s", "keep_delivery_log_days"):
        if getattr(settings, key) <= 0:
            raise ConfigError(f"webhooks.{key}: must be greater than 0")
    if settings.per_endpoint_concurrency > settings.concurrency:
        raise ConfigError(
            "webhooks.per_endpoint_concurrency: must not exceed webhooks.concurrency"
        )
    tenant = settings.per_tenant_concurrency
    if tenant and not settings.per_endpoint_concurrency <= tenant <= settings.concurrency:
        raise ConfigError(
            "webhooks.per_tenant_concurrency: must lie between webhooks.per_endpoint_concurrency "
            "and webhooks.concurrency"
        )
