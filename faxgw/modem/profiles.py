"""Modem profiles: one TOML file per modem family in ``drivers/``, strictly validated.

The format is documented in ``drivers/README.md``. Every section and key is listed in
``SCHEMA`` with its type and default; a key that is not there is refused with its name
(a typo must not silently fall back to a default). ``[identity]``, ``[capabilities]`` and
``[quirks]`` are also read by hw-sim: their keys are a contract.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faxgw.config_error import ConfigError
import faxgw_drivers
from faxgw.modem.at.channel import ChannelSettings
from faxgw.modem.quirks import QUIRKS, Quirks, load_quirks, set_quirks
from faxgw.t30.link import Modulation

SCHEMA_VERSION = 1
DRIVERS_DIR = faxgw_drivers.directory()  # drivers/, installed with faxgw
DRIVERS_ENV = "FAXGW_DRIVERS"  # extra profile directories, ':'-separated, searched first

STR, INT, FLOAT, BOOL, INTS, STRS = "string", "integer", "number", "boolean", "integers", "strings"

# section -> key -> (type, default). None as default: the key may be absent.
SCHEMA: dict[str, dict[str, tuple[str, Any]]] = {
    "identity": {"manufacturer": (STR, None), "model": (STR, None), "revision": (STR, None),
                 "ati": (STRS, ()), "ati3": (STR, None)},
    # Shell-style patterns (``*``, ``?``, ``[...]``), case-insensitive, for the family's
    # units; without [match], [identity] is matched exactly.
    "match": {"manufacturer": (STR, None), "model": (STR, None), "revision": (STR, None),
              "ati": (STRS, ()), "ati3": (STR, None)},
    "capabilities": {"fclass": (STR, None), "ftm": (INTS, ()), "frm": (INTS, ()),
                     "fth": (INTS, ()), "frh": (INTS, ())},
    "driver": {"classes": (STRS, ("1.0", "1")), "dial_command": (STR, "ATDT"),
               "ecm": (BOOL, True), "ecm_frame_size": (INT, 256),
               "ecm_framing": (STR, "host")},
    "init": {"reset": (STR, "ATZ"), "commands": (STRS, ("ATE0", "ATV1", "ATQ0", "ATS0=0")),
             "hangup": (STR, "ATH0")},
    "serial": {"baudrate": (INT, 115200), "flow_control": (STR, "xonxoff"),
               "tx_chunk_bytes": (INT, 128)},
    "timing": {"command_timeout_s": (FLOAT, 3.0), "reset_timeout_s": (FLOAT, 10.0),
               "connect_timeout_s": (FLOAT, 5.0), "frame_timeout_s": (FLOAT, 5.0),
               "data_idle_timeout_s": (FLOAT, 5.0), "tx_final_margin_s": (FLOAT, 5.0),
               "stall_timeout_s": (FLOAT, 10.0), "escape_guard_s": (FLOAT, 1.0),
               "resync_quiet_s": (FLOAT, 0.2), "after_connect_delay_ms": (INT, 0)},
    "overrides": {"ftm_remove": (INTS, ()), "frm_remove": (INTS, ()),
                  "ftm": (INTS, ()), "frm": (INTS, ()), "fcc": (STR, None)},
    "quirks": {},  # validated by faxgw.modem.quirks
    "sources": {},  # quirk or override name -> where the behaviour is documented
}
TOP_LEVEL = {"schema", "name", "description", "revision"}
# Overrides that say the modem lies: a [sources] line may say where that is documented.
SOURCED_OVERRIDES = ("ftm_remove", "frm_remove", "ftm", "frm", "fcc")
KNOWN_CLASSES = ("1", "1.0", "2", "2.0")
FLOW_CONTROLS = ("xonxoff", "none")
ECM_FRAME_SIZES = (256, 64)  # T.30 A.3.1
# Who frames ECM's HDLC at image speed: the host (sent as +FTM data, what every Class 1
# modem can carry) or the modem itself (+FTH=<mod>, where the profile trusts it).
ECM_FRAMINGS = ("host", "modem")


# A malformed profile file is a configuration error; the message names the file and the
# key. The old name stays for the modem CLI, the probe and their tests.
ProfileError = ConfigError


@dataclass(frozen=True)
class Identity:
    manufacturer: str | None
    model: str | None
    revision: str | None
    ati: tuple[str, ...]
    ati3: str | None = None


@dataclass(frozen=True)
class Match:
    """Patterns a modem's answers must fit (every one given), from [match] or [identity]."""
    manufacturer: str | None
    model: str | None
    revision: str | None
    ati: tuple[str, ...]
    ati3: str | None
    exact: bool  # taken from [identity]: compare literally

    def fields(self) -> list[tuple[str, str]]:
        given = [(k, getattr(self, k)) for k in ("manufacturer", "model", "revision", "ati3")]
        return [(k, v) for k, v in given if v is not None] + [("ati", line) for line in self.ati]

    def fits(self, pattern: str, answer: str | None) -> bool:
        got = _clean(answer)
        return got == _clean(pattern) if self.exact else fnmatch.fnmatchcase(got, _clean(pattern))


def _clean(text: str | None) -> str:
    return (text or "").strip().strip('"').strip().casefold()


@dataclass(frozen=True)
class Capabilities:
    fclass: str | None
    ftm: tuple[int, ...]
    frm: tuple[int, ...]
    fth: tuple[int, ...]
    frh: tuple[int, ...]


@dataclass(frozen=True)
class Timing:
    command_timeout_s: float
    reset_timeout_s: float
    connect_timeout_s: float
    frame_timeout_s: float
    data_idle_timeout_s: float
    tx_final_margin_s: float
    stall_timeout_s: float
    escape_guard_s: float
    resync_quiet_s: float
    after_connect_delay_ms: int


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    revision: int
    path: Path | None
    identity: Identity
    capabilities: Capabilities
    classes: tuple[str, ...]
    dial_command: str
    ecm: bool  # error correction mode may be used
    ecm_frame_size: int  # octets per ECM frame we send: 256, or 64 for a noisy line
    ecm_framing: str  # "host" or "modem": who frames ECM's HDLC at image speed
    reset_command: str
    init_commands: tuple[str, ...]
    hangup_command: str
    baudrate: int
    flow_control: str
    tx_chunk_bytes: int
    timing: Timing
    ftm_remove: tuple[int, ...]
    frm_remove: tuple[int, ...]
    quirks: Quirks
    match: Match | None = None
    ftm_override: tuple[int, ...] = ()  # replaces the modem's answer to +FTM=?
    frm_override: tuple[int, ...] = ()  # ... to +FRM=?
    fcc_override: str | None = None  # ... to +FCC=? / +FDCC=? (Class 2.0 / 2)
    sources: tuple[tuple[str, str], ...] = ()  # (quirk or override, where documented)

    def capability_override(self, command: str) -> tuple[str, ...] | None:
        """The answer lines to use instead of asking ``AT<command>=?``, if the profile
        replaces it (a modem that lies about its capabilities)."""
        if command in ("+FCC", "+FDCC") and self.fcc_override is not None:
            return (self.fcc_override,)
        return None

    @property
    def is_generic(self) -> bool:
        """A profile naming no identity matches any modem (lowest priority)."""
        i = self.identity
        return not (i.manufacturer or i.model or i.revision or i.ati or i.ati3) \
            and self.match is None

    def channel_settings(self) -> ChannelSettings:
        t = self.timing
        return ChannelSettings(
            command_timeout_s=t.command_timeout_s, reset_timeout_s=t.reset_timeout_s,
            reset_command=self.reset_command, init_commands=self.init_commands,
            hangup_command=self.hangup_command, escape_guard_s=t.escape_guard_s,
            flow_control=self.flow_control == "xonxoff", tx_chunk_bytes=self.tx_chunk_bytes,
            stall_timeout_s=t.stall_timeout_s, resync_quiet_s=t.resync_quiet_s,
            baudrate=self.baudrate)


def load_profile(path: Path) -> Profile:
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc
    return parse_profile(document, where=str(path), path=path)


def parse_profile(document: dict[str, Any], *, where: str, path: Path | None = None) -> Profile:
    _check_top_level(document, where, path)
    values = {section: _section(document, section, where) for section in SCHEMA}
    try:
        quirks = load_quirks(document.get("quirks", {}), where)
    except ValueError as exc:
        raise ProfileError(str(exc)) from None
    profile = _build(document, values, quirks, path)
    _check_values(profile, where)
    return profile


def _check_top_level(document: dict[str, Any], where: str, path: Path | None) -> None:
    for key in document:
        if key not in TOP_LEVEL and key not in SCHEMA:
            raise ProfileError(f"{where}: unknown key '{key}'")
        if key in SCHEMA and not isinstance(document[key], dict):
            raise ProfileError(f"{where}: '{key}' must be a table ([{key}])")
    if document.get("schema") != SCHEMA_VERSION:
        raise ProfileError(f"{where}: 'schema' must be {SCHEMA_VERSION} "
                           f"(this faxgw reads profile format {SCHEMA_VERSION})")
    for key in ("name", "description"):
        if not isinstance(document.get(key), str) or not document[key]:
            raise ProfileError(f"{where}: '{key}' is required and must be a string")
    if path is not None and document["name"] != path.stem:
        raise ProfileError(f"{where}: 'name' is {document['name']!r} but the file is {path.name}")
    if not isinstance(document.get("revision", 1), int):
        raise ProfileError(f"{where}: 'revision' must be an integer")


def _section(document: dict[str, Any], section: str, where: str) -> dict[str, Any]:
    table = document.get(section, {})
    if section == "quirks":
        return table
    if section == "sources":
        for key, value in table.items():
            if not isinstance(value, str) or not value.strip():
                raise ProfileError(f"{where}: 'sources.{key}' must be a non-empty string")
        return table
    spec = SCHEMA[section]
    for key in table:
        if key not in spec:
            raise ProfileError(f"{where}: unknown key '{section}.{key}'")
    return {key: _typed(table.get(key, default), kind, f"{section}.{key}", where)
            for key, (kind, default) in spec.items()}


def _typed(value: Any, kind: str, key: str, where: str) -> Any:
    if value is None:
        return None
    ok = {
        STR: isinstance(value, str),
        INT: isinstance(value, int) and not isinstance(value, bool),
        FLOAT: isinstance(value, (int, float)) and not isinstance(value, bool),
        BOOL: isinstance(value, bool),
        INTS: isinstance(value, (list, tuple)) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value),
        STRS: isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value),
    }[kind]
    if not ok:
        raise ProfileError(f"{where}: '{key}' must be {_article(kind)}, not {value!r}")
    if kind == FLOAT:
        return float(value)
    return tuple(value) if kind in (INTS, STRS) else value


def _article(kind: str) -> str:
    return {"integers": "a list of integers", "strings": "a list of strings"}.get(
        kind, f"an {kind}" if kind[0] in "aeiou" else f"a {kind}")


def _build(document: dict[str, Any], v: dict[str, dict[str, Any]], quirks: Quirks,
           path: Path | None) -> Profile:
    return Profile(
        name=document["name"], description=document["description"],
        revision=document.get("revision", 1), path=path,
        identity=Identity(**v["identity"]), capabilities=Capabilities(**v["capabilities"]),
        classes=v["driver"]["classes"], dial_command=v["driver"]["dial_command"],
        ecm=v["driver"]["ecm"], ecm_frame_size=v["driver"]["ecm_frame_size"],
        ecm_framing=v["driver"]["ecm_framing"],
        reset_command=v["init"]["reset"], init_commands=v["init"]["commands"],
        hangup_command=v["init"]["hangup"], baudrate=v["serial"]["baudrate"],
        flow_control=v["serial"]["flow_control"], tx_chunk_bytes=v["serial"]["tx_chunk_bytes"],
        timing=Timing(**v["timing"]), ftm_remove=v["overrides"]["ftm_remove"],
        frm_remove=v["overrides"]["frm_remove"], quirks=quirks,
        match=Match(**v["match"], exact=False) if document.get("match") else None,
        ftm_override=v["overrides"]["ftm"], frm_override=v["overrides"]["frm"],
        fcc_override=v["overrides"]["fcc"], sources=tuple(v["sources"].items()))


def _check_values(p: Profile, where: str) -> None:
    def fail(key: str, why: str) -> None:
        raise ProfileError(f"{where}: '{key}' {why}")

    if not p.classes or any(c not in KNOWN_CLASSES for c in p.classes):
        fail("driver.classes", f"must list classes from {KNOWN_CLASSES}")
    if p.ecm_frame_size not in ECM_FRAME_SIZES:
        fail("driver.ecm_frame_size", f"must be one of {ECM_FRAME_SIZES}")
    if p.ecm_framing not in ECM_FRAMINGS:
        fail("driver.ecm_framing", f"must be one of {ECM_FRAMINGS}")
    if not p.dial_command.upper().startswith("ATD"):
        fail("driver.dial_command", "must start with ATD")
    for key, command in [("init.reset", p.reset_command), ("init.hangup", p.hangup_command),
                         *[("init.commands", c) for c in p.init_commands]]:
        if not command.upper().startswith("AT") or any(ch in command for ch in "\r\n"):
            fail(key, f"holds {command!r}: each command must start with AT and be one line")
    if p.flow_control not in FLOW_CONTROLS:
        fail("serial.flow_control", f"must be one of {FLOW_CONTROLS}")
    if p.baudrate <= 0 or p.tx_chunk_bytes <= 0:
        fail("serial", "baudrate and tx_chunk_bytes must be positive")
    for name, value in vars(p.timing).items():
        if value < 0 or (value == 0 and name.endswith("_s")):
            fail(f"timing.{name}", "must be positive")
    _check_sources(p, fail)
    modulations = {m.value for m in Modulation}
    for key in ("ftm", "frm", "fth", "frh"):
        bad = [m for m in getattr(p.capabilities, key) if m not in modulations]
        if bad:
            fail(f"capabilities.{key}", f"holds unknown T.31 modulation codes {bad}")
    for key, codes in (("ftm_remove", p.ftm_remove), ("frm_remove", p.frm_remove),
                       ("ftm", p.ftm_override), ("frm", p.frm_override)):
        bad = [m for m in codes if m not in modulations]
        if bad:
            fail(f"overrides.{key}", f"holds unknown T.31 modulation codes {bad}")


def _check_sources(p: Profile, fail) -> None:
    """Every quirk set needs a source (overrides may have one); every source names one."""
    sources = dict(p.sources)
    needed = [f"quirks.{name}" for name in set_quirks(p.quirks)]
    for key in needed:
        if key.split(".", 1)[1] not in sources:
            fail(key, "is set but has no [sources] line saying where it is documented")
    for key in sources:
        if key not in QUIRKS and key not in SOURCED_OVERRIDES:
            fail(f"sources.{key}", "names no quirk or override")


def profile_dirs(extra: list[Path] | None = None) -> list[Path]:
    """Where profiles are looked for: FAXGW_DRIVERS dirs, then ``extra``, then drivers/."""
    env = [Path(p) for p in os.environ.get(DRIVERS_ENV, "").split(":") if p]
    return [*env, *(extra or []), DRIVERS_DIR]


def load_all(dirs: list[Path] | None = None) -> list[Profile]:
    """Every profile, the first directory winning for a name. A broken file raises."""
    found: dict[str, Profile] = {}
    for directory in dirs or profile_dirs():
        for path in sorted(Path(directory).glob("*.toml")):
            if path.stem not in found:
                found[path.stem] = load_profile(path)
    return list(found.values())


def find_profile(name: str, dirs: list[Path] | None = None) -> Profile:
    for directory in dirs or profile_dirs():
        path = Path(directory) / f"{name}.toml"
        if path.is_file():
            return load_profile(path)
    raise ProfileError(f"no profile named {name!r} in {', '.join(map(str, dirs or profile_dirs()))}")
