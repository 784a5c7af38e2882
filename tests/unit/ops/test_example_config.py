"""systemd/faxgw.toml, the example config an administrator installs: it loads, it names
every key faxgw knows, and every value it shows is the real default (a new key or a changed
default without the example following fails here)."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from faxgw.config import Config, ModemConfig, load

EXAMPLE = Path(__file__).resolve().parents[3] / "systemd" / "faxgw.toml"


def test_the_example_loads():
    config = load(EXAMPLE)
    assert config.modems == (ModemConfig(name="modem0", port="/dev/faxmodem0"),)


def test_every_key_is_in_the_example_with_its_default():
    raw = tomllib.loads(EXAMPLE.read_text())
    defaults = Config()
    for section in dataclasses.fields(defaults):
        if section.name == "modems":
            continue
        table = raw.get(section.name)
        assert table is not None, f"[{section.name}] missing from the example"
        settings = getattr(defaults, section.name)
        keys = {f.name for f in dataclasses.fields(settings)}
        if section.name == "inbound":  # routes: a commented [[inbound.route]] example
            keys.discard("routes")
            for name in ("[[inbound.route]]", "tenant =", "modem =", "called_number ="):
                assert f"# {name}" in EXAMPLE.read_text(), f"the route example lacks {name}"
        assert set(table) == keys, f"[{section.name}]: missing {keys - set(table)}"
        for key in keys:
            default = getattr(settings, key)
            shown = tuple(table[key]) if isinstance(default, tuple) else table[key]
            assert shown == default, f"{section.name}.{key}: example {shown!r}, default {default!r}"
    [modem] = raw["modem"]
    assert set(modem) == {f.name for f in dataclasses.fields(ModemConfig)}


def test_the_comments_explain_every_key():
    """Each key carries a comment on its line or on the lines that continue it."""
    lines = EXAMPLE.read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if line[:1].isalpha() and "=" in line]
    for n, i in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        block = [line for line in lines[i:end] if not line.startswith(("[", "#"))]
        assert any("#" in line for line in block), f"no comment for: {lines[i]}"
