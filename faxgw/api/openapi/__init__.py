"""The OpenAPI 3.1 description of what the server really does (schemathesis holds us to it),
put together from one module per resource; their shared pieces are in ``common``."""

from __future__ import annotations

import re

from faxgw import __version__
from faxgw.api.openapi import destinations, faxes, ops, received, webhooks


def spec(page_max: int = 1000) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "faxgw REST API", "version": __version__,
                 "description": "Send faxes through the modems of this box. Every request but this "
                                "document and /docs needs `Authorization: Bearer <API key>`; the key "
                                "decides the tenant. Errors are JSON: a machine `code` and a `message`."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {**faxes.paths(page_max), **webhooks.PATHS, **ops.PATHS, **received.paths(page_max),
                  **destinations.PATHS},
        "webhooks": {**webhooks.WEBHOOKS, **received.WEBHOOKS},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, **ops.SECURITY_SCHEMES},
            "schemas": {**webhooks.SCHEMAS, **ops.SCHEMAS, **received.SCHEMAS, **faxes.SCHEMAS,
                        **destinations.SCHEMAS},
        },
    }


def allowed_methods(path: str) -> list[str] | None:
    """The methods the document lists for `path`, by its most specific template.

    aiohttp's 405 lists every resource matching the path: /fax/search also matches
    /fax/{faxId}. A literal segment wins over a parameter, as it does in the router.
    """
    best = None
    for template, operations in spec()["paths"].items():
        pattern = "^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            rank = template.count("{")
            if best is None or rank < best[0]:
                best = (rank, sorted(m.upper() for m in operations))
    return best[1] if best else None
