"""A simulated modem's identity, capabilities and quirks, read from a ``drivers/`` profile.

hw-sim reads only the ``[identity]``, ``[capabilities]`` and ``[quirks]`` sections; the rest
of the format belongs to faxgw's driver layer. The profile is the contract between the two:
the driver recognises the modem by what the simulator answers from the same file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import faxgw_drivers  # the profiles' directory; imports nothing of faxgw

DEFAULT_PROFILE = faxgw_drivers.directory() / "hwsim-class1.toml"
_ALL_MODS = (24, 48, 72, 73, 74, 96, 97, 98, 121, 122, 145, 146)


@dataclass(frozen=True, slots=True)
class ModemProfile:
    name: str = "hwsim-class1"
    manufacturer: str = "faxgw hw-sim"
    model: str = "SimFax C1"
    revision: str = "1.0"
    ati: tuple[str, ...] = ("SimFax C1 1.0",)
    ati3: str | None = None  # ATI3's line; without it, manufacturer, model and revision
    fclass: str = "0,1,1.0"
    ftm: tuple[int, ...] = _ALL_MODS
    frm: tuple[int, ...] = _ALL_MODS
    fth: tuple[int, ...] = (3,)
    frh: tuple[int, ...] = (3,)
    quirks: dict[str, object] = field(default_factory=dict)

    @property
    def fclass_values(self) -> tuple[str, ...]:
        return tuple(v.strip() for v in self.fclass.split(","))

    def quirk(self, name: str, default: object = False) -> object:
        return self.quirks.get(name, default)


def load_profile(path: str | Path | None = None) -> ModemProfile:
    path = Path(path) if path else DEFAULT_PROFILE
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    identity = data.get("identity", {})
    caps = data.get("capabilities", {})
    base = ModemProfile()
    return ModemProfile(
        name=str(data.get("name", path.stem)),
        manufacturer=str(identity.get("manufacturer", base.manufacturer)),
        model=str(identity.get("model", base.model)),
        revision=str(identity.get("revision", base.revision)),
        ati=tuple(str(x) for x in identity.get("ati", base.ati)),
        ati3=str(identity["ati3"]) if "ati3" in identity else None,
        fclass=str(caps.get("fclass", base.fclass)),
        ftm=tuple(int(x) for x in caps.get("ftm", base.ftm)),
        frm=tuple(int(x) for x in caps.get("frm", base.frm)),
        fth=tuple(int(x) for x in caps.get("fth", base.fth)),
        frh=tuple(int(x) for x in caps.get("frh", base.frh)),
        quirks=dict(data.get("quirks", {})),
    )
