"""The one error of a configuration that cannot be used.

Every TOML reader raises it: faxgw's config file and its ``[webhooks]`` and ``[inbound]``
sections, and the modem profiles in ``drivers/``. The message starts with where the value
is, as a key path (``modem[0].port: must not be empty``; a profile's after its file name),
so the person reading it knows which line to fix. A module of its own, imported by all of
those readers, so none of them imports another to raise it.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message starts with its key path."""
