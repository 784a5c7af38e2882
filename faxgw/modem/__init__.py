"""Fax modems over AT commands: serial transport, AT channel, Class 1 link, probe, profiles.

Layers, each knowing only the one below (see /README.md, "Modems and drivers"):
``transport`` (bytes on a serial port) -> ``at_channel`` (commands, results, data mode,
DLE) -> ``class1_link`` (the T.31 primitives of ``faxgw.t30.link.Class1Link``).
``results`` and ``dle`` are pure parsers; ``profiles``/``quirks`` turn ``drivers/*.toml``
into data the layers above read; ``device.open_modem`` wires it all up.
"""
