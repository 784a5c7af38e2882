"""Hayes / V.250 basic commands: echo, result format, S-registers, identity, hook.

Each handler takes the modem and a parsed ``Command`` and returns None (go on with the
next command of the line), ``ERROR`` or ``DONE`` (it sent its own final result), or an
awaitable of those. Dialing and answering belong to ``class1`` because what a modem does
once the line is up depends on its class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import class1, class2
from .atcommand import Command

if TYPE_CHECKING:
    from .modem import Modem

ERROR = "ERROR"
DONE = "DONE"


def _flag(cmd: Command, allowed: range) -> int | None:
    value = int(cmd.arg) if cmd.arg else 0
    return value if value in allowed else None


def _setter(attr: str, allowed: range, convert=bool):
    def handler(modem: "Modem", cmd: Command):
        value = _flag(cmd, allowed)
        if value is None:
            return ERROR
        setattr(modem, attr, convert(value))
        return None
    return handler


def _accept(allowed: range):
    """Commands a real modem takes (speaker, DTR and DCD handling) that change nothing
    on a simulated line; out-of-range values still give ERROR."""
    def handler(modem: "Modem", cmd: Command):
        return None if _flag(cmd, allowed) is not None else ERROR
    return handler


def cmd_x(modem: "Modem", cmd: Command):
    value = _flag(cmd, range(0, 5))
    if value is None:
        return ERROR
    modem.x_level = value  # X0..X4: which call progress results are reported
    return None


def cmd_h(modem: "Modem", cmd: Command):
    value = _flag(cmd, range(0, 2))
    if value is None:
        return ERROR
    if value == 0:
        modem.hang_up()
        modem.class2.detach()
    else:
        modem.off_hook = True
    return None


def cmd_z(modem: "Modem", cmd: Command):
    if _flag(cmd, range(0, 2)) is None:
        return ERROR
    modem.hang_up()
    modem.reset_settings()
    return None


def cmd_and_f(modem: "Modem", cmd: Command):
    if _flag(cmd, range(0, 1)) is None:
        return ERROR
    modem.reset_settings()
    return None


def cmd_i(modem: "Modem", cmd: Command):
    value = _flag(cmd, range(0, 10))
    p = modem.profile
    if value == 0:
        for line in p.ati:
            modem.info(line)
    elif value == 3:
        modem.info(p.ati3 or f"{p.manufacturer} {p.model} {p.revision}")
    else:
        return ERROR
    return None


def cmd_s(modem: "Modem", cmd: Command):
    register = int(cmd.name[1:])
    if register > 255:
        return ERROR
    if cmd.op == "?":
        modem.info(f"{modem.s.get(register, 0):03d}")
        return None
    value = int(cmd.arg)
    if value > 255 or register == 1:  # S1 (ring count) is read-only
        return ERROR
    modem.s[register] = value
    return None


def cmd_o(modem: "Modem", cmd: Command):
    return ERROR  # no data-mode connection to return to: hw-sim lines carry fax only


def cmd_a(modem: "Modem", cmd: Command):
    return (class2 if modem.fax_class2 else class1).answer(modem)


def cmd_d(modem: "Modem", cmd: Command):
    return (class2 if modem.fax_class2 else class1).dial(modem, cmd.arg)


def identity(field: str):
    def handler(modem: "Modem", cmd: Command):
        if cmd.op not in ("", "?"):
            return ERROR
        modem.info(getattr(modem.profile, field))
        return None
    return handler


HANDLERS = {
    "E": _setter("echo", range(0, 2)),
    "V": _setter("verbose", range(0, 2)),
    "Q": _setter("quiet", range(0, 2)),
    "X": cmd_x,
    "H": cmd_h,
    "Z": cmd_z,
    "&F": cmd_and_f,
    "I": cmd_i,
    "O": cmd_o,
    "A": cmd_a,
    "D": cmd_d,
    "M": _accept(range(0, 4)),
    "L": _accept(range(0, 4)),
    "B": _accept(range(0, 2)),
    "N": _accept(range(0, 2)),
    "W": _accept(range(0, 3)),
    "Y": _accept(range(0, 2)),
    "&C": _accept(range(0, 2)),
    "&D": _accept(range(0, 4)),
    "&K": _accept(range(0, 7)),
    "&W": _accept(range(0, 2)),
    "&S": _accept(range(0, 2)),
    "+FMI": identity("manufacturer"),
    "+FMM": identity("model"),
    "+FMR": identity("revision"),
    "+GMI": identity("manufacturer"),
    "+GMM": identity("model"),
    "+GMR": identity("revision"),
}
for _register in range(0, 256):
    HANDLERS[f"S{_register}"] = cmd_s
