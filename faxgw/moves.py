"""A status table: which status may follow which, checked on every move.

The fax lifecycle has its own richer table (``faxgw/lifecycle.py``, actions with sources);
the received-fax statuses and the webhook delivery states are plain "from -> to" tables,
and this is their one checker.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class IllegalMove(ValueError):
    """A status asked to follow one its table does not let it follow."""

    def __init__(self, what: str, current: str, new: str, allowed: frozenset[str]):
        self.current, self.new = current, new
        after = ", ".join(sorted(allowed)) or "nothing (it is final)"
        super().__init__(f"{what}: {new} cannot follow {current}; after {current} comes {after}")


class MoveTable:
    """``moves`` maps every status to the statuses that may follow it (none: final)."""

    def __init__(self, what: str, kind: type[StrEnum], moves: Mapping[StrEnum, frozenset]):
        missing = set(kind) - set(moves)
        if missing:
            raise ValueError(f"{what}: no row for {sorted(missing)}")
        self.what, self.kind, self.moves = what, kind, dict(moves)

    def move(self, current: str, new: str) -> StrEnum:
        """``new`` as a member of the table's statuses; raises IllegalMove if it may not
        follow ``current`` (or is no status of the table at all)."""
        try:
            target = self.kind(new)
        except ValueError:
            raise IllegalMove(self.what, str(current), str(new),
                              frozenset(self.moves[self.kind(current)])) from None
        if target not in self.moves[self.kind(current)]:
            raise IllegalMove(self.what, str(current), str(new),
                              frozenset(self.moves[self.kind(current)]))
        return target

    def final(self) -> frozenset[StrEnum]:
        return frozenset(s for s, after in self.moves.items() if not after)
