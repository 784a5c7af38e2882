"""Which tenant a received fax belongs to: the ``[inbound]`` section of the config.

```toml
[inbound]
default_tenant = ""        # tenantId for calls no route matches; "" = keep them for the admin
page_events_from = 3       # a fax that reaches this many pages gets a webhook event per page
                           # (InboundFaxPageReceived); 0 = never

[[inbound.route]]          # any number of routes; a route names a tenant and what it matches
tenant = "6f1c...-..."     # the tenantId (`faxgw tenant create` prints it)
modem = "in1"              # the [[modem]] name (the line) that answered; "" = any
called_number = "4930555"  # the number the caller dialled (DID), as the line reports it;
                           # compared by its digits; "" = any
```

A route matches when every field it gives matches. The most specific route wins: one
giving both the modem and the called number, then one giving the called number, then one
giving the modem; among equals, the first in the file. A call that no route matches goes
to ``default_tenant``; without one it is kept for the admin (never dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from faxgw.config_error import ConfigError

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class Route:
    tenant: str
    modem: str = ""
    called_number: str = ""

    @property
    def specificity(self) -> int:
        return 2 * bool(self.called_number) + bool(self.modem)

    def matches(self, modem: str, called_digits: str) -> bool:
        if self.modem and self.modem != modem:
            return False
        return not self.called_number or digits(self.called_number) == called_digits


@dataclass(frozen=True)
class InboundConfig:
    default_tenant: str = ""
    page_events_from: int = 3
    routes: tuple[Route, ...] = ()


@dataclass(frozen=True)
class Routing:
    """The decision for one call: ``tenant_id`` None means kept for the admin."""

    tenant_id: str | None
    routed_by: str  # called_number, modem, default, none


def digits(number: str | None) -> str:
    return "".join(c for c in number or "" if c.isdigit())


def route(config: InboundConfig, modem: str, called_number: str | None) -> Routing:
    called = digits(called_number)
    candidates = [r for r in config.routes if r.matches(modem, called)]
    if candidates:
        best = max(candidates, key=lambda r: r.specificity)  # max keeps the first of equals
        return Routing(best.tenant.lower(),
                       "called_number" if best.called_number else "modem")
    if config.default_tenant:
        return Routing(config.default_tenant.lower(), "default")
    return Routing(None, "none")


def parse_inbound(table: Any) -> InboundConfig:
    if table is None:
        return InboundConfig()
    if not isinstance(table, dict):
        raise ConfigError("inbound: must be a table")
    unknown = set(table) - {"default_tenant", "page_events_from", "route"}
    if unknown:
        raise ConfigError(f"inbound.{sorted(unknown)[0]}: unknown key")
    default = table.get("default_tenant", "")
    if not isinstance(default, str) or (default and not _UUID.match(default)):
        raise ConfigError("inbound.default_tenant: a tenantId (UUID) or \"\"")
    page_events = table.get("page_events_from", 3)
    if isinstance(page_events, bool) or not isinstance(page_events, int) or page_events < 0:
        raise ConfigError("inbound.page_events_from: an integer, 0 or more")
    routes = table.get("route", [])
    if not isinstance(routes, list):
        raise ConfigError("inbound.route: must be an array of tables ([[inbound.route]])")
    return InboundConfig(default, page_events, tuple(_route(i, r) for i, r in enumerate(routes)))


def _route(i: int, table: Any) -> Route:
    key = f"inbound.route[{i}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{key}: must be a table")
    unknown = set(table) - {"tenant", "modem", "called_number"}
    if unknown:
        raise ConfigError(f"{key}.{sorted(unknown)[0]}: unknown key")
    for name in ("tenant", "modem", "called_number"):
        if not isinstance(table.get(name, ""), str):
            raise ConfigError(f"{key}.{name}: must be a string")
    tenant = table.get("tenant", "")
    if not _UUID.match(tenant):
        raise ConfigError(f"{key}.tenant: a tenantId (UUID)")
    modem, called = table.get("modem", ""), table.get("called_number", "")
    if not modem and not called:
        raise ConfigError(f"{key}: give modem, called_number or both "
                                 "(a catch-all is inbound.default_tenant)")
    if called and not digits(called):
        raise ConfigError(f"{key}.called_number: must contain digits")
    return Route(tenant, modem, called)
