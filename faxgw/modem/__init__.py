"""Fax modems over AT commands: the AT layer, Class 1 and Class 2 drivers, probe, profiles.

Sub-packages, each knowing only the ones below (see /README.md, "Modems and drivers"):
``at`` (bytes on a serial port, commands and results, data mode, DLE, recovery) ->
``class1`` (the T.31 primitives of ``faxgw.t30.link.Class1Link`` and the runner of the T.30
engine over them) and ``class2`` (modems that run T.30 themselves). Shared at the top:
``profiles``/``quirks`` turn ``drivers/*.toml`` into data, ``probe`` asks a modem what it is,
``device.open_modem`` wires it all up, ``pages`` holds the page data of both classes.
"""

from faxgw.modem.handle import ModemHandle
from faxgw.modem.pages import PageDecoder
from faxgw.modem.sessions import SessionOptions

__all__ = ["ModemHandle", "PageDecoder", "SessionOptions"]
