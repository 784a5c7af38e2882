"""The modem profiles (``*.toml``, documented in README.md here), installed with faxgw as
the package ``faxgw_drivers``. Both readers, ``faxgw.modem.profiles`` and hw-sim's
``hwsim.profile``, find them through ``directory()``; this package imports nothing, so
hw-sim stays free of faxgw."""

from pathlib import Path


def directory() -> Path:
    """The directory holding the shipped profiles (in a checkout: ``drivers/``)."""
    return Path(__file__).resolve().parent
