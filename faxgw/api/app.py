"""The aiohttp application: routes and middlewares around services built elsewhere."""

from __future__ import annotations

from aiohttp import web

from faxgw.api import middlewares
from faxgw.api.keys import SERVICES
from faxgw.api.routes import add_routes
from faxgw.api.services import Services
from faxgw.config import Config


def create_app(config: Config, services: Services) -> web.Application:
    """The app for `services`, which the caller has started and will stop (faxgw/daemon.py).

    `config` is the one the services were built from; the handlers read the running one
    through `services` (a reload replaces its [webhooks]).
    """
    if services.config is not config:
        raise ValueError("create_app: the services were built from another config")
    app = web.Application(middlewares=[middlewares.errors, middlewares.auth,
                                              middlewares.storage_reserve])
    app[SERVICES] = services
    add_routes(app.router)
    return app
