"""Typed keys of the application and request state."""

from __future__ import annotations

from aiohttp import web

from faxgw.config import Config
from faxgw.store import Store

CONFIG = web.AppKey("config", Config)
STORE = web.AppKey("store", Store)
# The tenant of the request's API key (set by the auth middleware).
TENANT = "faxgw.tenant_id"
