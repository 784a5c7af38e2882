"""Typed keys of the application and request state."""

from __future__ import annotations

from aiohttp import web

from faxgw.api.uploads import DirSync
from faxgw.config import Config
from faxgw.store import Store

CONFIG = web.AppKey("config", Config)
STORE = web.AppKey("store", Store)
# The one fsync of <state>/faxes/ that concurrent submissions share (see api/uploads.py).
FAXES_DIR_SYNC = web.AppKey("faxes_dir_sync", DirSync)
# The tenant of the request's API key (set by the auth middleware).
TENANT = web.RequestKey("tenant_id", str)
