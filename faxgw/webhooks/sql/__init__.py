"""Named SQL of the webhook ledger, loaded from the .sql files beside this module."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_NAME = re.compile(r"^-- name: (\w+)\s*$", re.M)


@lru_cache(maxsize=None)
def queries(filename: str = "queries.sql") -> dict[str, str]:
    """``{name: sql}`` from a file of blocks each opened by ``-- name: <name>``."""
    text = (_HERE / filename).read_text(encoding="utf-8")
    parts = _NAME.split(text)
    # parts = [preamble, name1, body1, name2, body2, ...]
    named = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts), 2)}
    if len(named) != (len(parts) - 1) // 2:
        raise ValueError(f"{filename}: a query name is used twice")
    return named


def script(filename: str) -> str:
    return (_HERE / filename).read_text(encoding="utf-8")
