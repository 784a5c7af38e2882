"""Typed keys of the application and request state."""

from __future__ import annotations

from aiohttp import web

from faxgw.api.services import Services

# Everything the handlers use, built by the daemon (faxgw/daemon.py) before the app.
SERVICES = web.AppKey("services", Services)
# The tenant of the request's API key (set by the auth middleware).
TENANT = web.RequestKey("tenant_id", str)
