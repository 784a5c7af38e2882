"""Splitting an AT command line into commands (V.250 clause 5.3), as a pure function.

``parse("ATE0V1+FCLASS=1;+FTM=?")`` gives ``[("E", "", "0"), ("V", "", "1"),
("+FCLASS", "=", "1"), ("+FTM", "=?", "")]``. Basic commands are a letter (or ``&``
plus a letter) and an optional number; ``S`` registers take ``Sn=v`` and ``Sn?``;
``D`` takes the rest of the line; extended commands run to the next ``;``.
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    name: str
    op: str  # "", "=", "?", "=?"
    arg: str


class ParseError(ValueError):
    pass


def parse(body: str) -> list[Command]:
    """Parse the text after ``AT``; spaces outside dial strings are ignored."""
    commands: list[Command] = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i].upper()
        if ch == " " or ch == ";":
            i += 1
        elif ch == "D":
            commands.append(Command("D", "", body[i + 1:]))
            break
        elif ch in "+#":
            end = body.find(";", i)
            end = n if end < 0 else end
            commands.append(_extended(_without_spaces(body[i:end])))
            i = end + 1
        elif ch == "S":
            i = _s_register(body, i + 1, commands)
        elif ch == "&" or ch == "\\":
            if i + 1 >= n:
                raise ParseError("dangling " + ch)
            name = ch + body[i + 1].upper()
            i, number = _number(body, i + 2)
            commands.append(Command(name, "", number))
        elif ch.isalpha():
            i, number = _number(body, i + 1)
            commands.append(Command(ch, "", number))
        else:
            raise ParseError(f"unexpected {body[i]!r}")
    return commands


def _without_spaces(text: str) -> str:
    """Spaces dropped except inside string constants (V.250 5.3.2: ``+FLI="+1 555"``)."""
    parts = text.split('"')
    return '"'.join(p if n % 2 else p.replace(" ", "") for n, p in enumerate(parts))


def _number(body: str, i: int) -> tuple[int, str]:
    start = i
    while i < len(body) and body[i].isdigit():
        i += 1
    return i, body[start:i]


def _s_register(body: str, i: int, commands: list[Command]) -> int:
    i, reg = _number(body, i)
    if not reg:
        raise ParseError("S without register number")
    if body[i:i + 1] == "?":
        commands.append(Command("S" + reg, "?", ""))
        return i + 1
    if body[i:i + 1] == "=":
        i, value = _number(body, i + 1)
        commands.append(Command("S" + reg, "=", value or "0"))
        return i
    raise ParseError("S register needs = or ?")


def _extended(text: str) -> Command:
    upper = text.upper()
    if upper.endswith("=?"):
        return Command(upper[:-2], "=?", "")
    if upper.endswith("?"):
        return Command(upper[:-1], "?", "")
    if "=" in text:
        name, arg = text.split("=", 1)
        return Command(name.upper(), "=", arg)
    return Command(upper, "", "")


def numeric_parameter(state_of, attr: str, allowed: range, listing: str):
    """The handler of a numeric parameter command kept in ``getattr(state_of(modem), attr)``:
    ``=?`` lists ``listing``, ``?`` reads, ``=n`` sets n when in ``allowed``, else ERROR
    (T.31 and T.32 parameters alike)."""
    def handler(modem, cmd: Command):
        state = state_of(modem)
        if cmd.op == "=?":
            modem.info(listing)
        elif cmd.op == "?":
            modem.info(str(getattr(state, attr)))
        elif cmd.op == "=" and cmd.arg.isdigit() and int(cmd.arg) in allowed:
            setattr(state, attr, int(cmd.arg))
        else:
            return "ERROR"
        return None
    return handler
