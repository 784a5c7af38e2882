"""Who may call what. Tenants' API keys are checked by the auth middleware; the operations
endpoints and the unrouted received faxes are kept apart from them on purpose (a tenant must
not see other tenants' queue sizes, the modems, or faxes no route matched):

* /openapi.json, /docs, /healthz and /health are public: a browser, a load balancer or a
  monitoring probe has no key.
* /modems and /admin/received... need the admin key: `Authorization: Bearer <admin key>`,
  whose SHA-256 is `[server] admin_key_sha256` (made by `faxgw admin-key`). The config
  holds only the hash.
* /metrics needs the admin key too, unless `[server] metrics_public = true` (a trusted LAN
  where Prometheus scrapes without credentials).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from aiohttp import web

from faxgw.api.errors import error_response
from faxgw.api.keys import SERVICES

# Readable without a key: the API's own description and a liveness probe.
PUBLIC_PATHS = frozenset({"/openapi.json", "/docs", "/healthz"})
# No tenant: their handlers decide (public, or the admin key).
OPS_PATHS = frozenset({"/health", "/metrics", "/modems"})
ADMIN_PREFIX = "/admin/received"
DESTINATIONS_PREFIX = "/admin/destinations"  # what was learned per number called


def is_admin_path(path: str) -> bool:
    """Paths whose auth is the admin key, not a tenant's (the auth middleware asks)."""
    return any(path == prefix or path.startswith(prefix + "/")
               for prefix in (ADMIN_PREFIX, DESTINATIONS_PREFIX))


def new_admin_key() -> tuple[str, str]:
    key = "fgwadm_" + secrets.token_urlsafe(32)
    return key, admin_key_digest(key)


def admin_key_digest(key: str) -> str:
    """What [server] admin_key_sha256 holds for ``key``."""
    return hashlib.sha256(key.encode()).hexdigest()


def admin_refusal(request: web.Request) -> web.Response | None:
    """None when the request carries the admin key, else the 401 to answer."""
    expected = request.app[SERVICES].config.server.admin_key_sha256
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    given = hashlib.sha256(key.strip().encode()).hexdigest()
    if expected and scheme.lower() == "bearer" and hmac.compare_digest(given, expected):
        return None
    hint = "" if expected else " (none is configured: [server] admin_key_sha256)"
    resp = error_response(401, "unauthorized",
                          "The admin key is required: Authorization: Bearer <admin key>" + hint)
    resp.headers["WWW-Authenticate"] = 'Bearer realm="faxgw-admin"'
    return resp
