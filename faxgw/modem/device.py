"""Open a modem by device path and profile: the one entry point for callers.

    async with open_modem("/dev/ttyACM0", "hwsim-class1") as modem:
        link = modem.class1_link()        # a faxgw.t30.link.Class1Link
        ...
        await link.hang_up()

Without a profile the modem is probed and matched against ``drivers/``. The channel is
closed on the way out, also on cancellation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from faxgw.modem.at.channel import AtChannel, Trace
from faxgw.modem.class1.ecm_modem_framed import modem_framed_speeds
from faxgw.modem.class1.link import AtClass1Link
from faxgw.modem.at.errors import ATChannelError
from faxgw.modem.probe import (
    CLASS1_VALUES, ModemInfo, choose_class, match_profile, probe, usable,
)
from faxgw.modem.profiles import Profile, find_profile, load_all, profile_dirs
from faxgw.modem.at.results import Kind, Result
from faxgw.t30.link import ModemFault, Modulation

GENERIC = "generic-class1"


@dataclass
class Modem:
    device: str
    channel: AtChannel
    profile: Profile
    matched_by: str  # "named" (given by the caller), "identity" or "generic"
    fclass: str | None  # the +FCLASS value of the chosen service class
    info: ModemInfo | None
    _link: AtClass1Link | None = field(default=None, repr=False)

    def class1_modulations(self) -> tuple[list[Modulation], list[Modulation]]:
        """(transmit, receive) image modulations this modem can really use: what the
        T.30 engine may offer in DIS/DCS for it."""
        return usable(self.info, self.profile)

    async def wait_for_ring(self, timeout_s: float) -> Result:
        """The next RING (ATTimeout if none): a receiver answers after it."""
        return await self.channel.wait_for(Kind.RING, timeout_s)

    def class1_link(self) -> AtClass1Link:
        """The modem's one Class 1 link (the same object each time: it tracks whether a
        carrier is up, which two links on one modem would disagree about)."""
        if self.fclass not in CLASS1_VALUES:
            raise ModemFault(f"{self.device}: no Class 1 (offers {self.info.classes if self.info else '?'})")
        if self._link is None:
            caps = self.profile.capabilities
            fth, frh = (self.info.fth, self.info.frh) if self.info else (caps.fth, caps.frh)
            self._link = AtClass1Link(self.channel, self.profile, self.fclass, modem_framed_speeds(
                self.profile.ecm_framing, fth, frh))
        return self._link


@asynccontextmanager
async def open_modem(device: str, profile: str | Profile | None = None, *,
                     trace: Trace | None = None, probe_modem: bool = True,
                     dirs: list[Path] | None = None) -> AsyncIterator[Modem]:
    dirs = dirs or profile_dirs()
    chosen = _resolve(profile, dirs)
    channel = await AtChannel.open(device, chosen.channel_settings(), trace)
    try:
        modem = await _prepare(channel, chosen, profile is not None, probe_modem, dirs)
        yield modem
    finally:
        await channel.close()


def _resolve(profile: str | Profile | None, dirs: list[Path]) -> Profile:
    if isinstance(profile, Profile):
        return profile
    return find_profile(profile or GENERIC, dirs)


async def _prepare(channel: AtChannel, chosen: Profile, named: bool, probe_modem: bool,
                   dirs: list[Path]) -> Modem:
    try:
        await channel.reset()
        info = await probe(channel) if probe_modem or not named else None
        how = "named"
        if not named:
            assert info is not None
            matched, how = match_profile(info, load_all(dirs))
            if matched.channel_settings() != chosen.channel_settings():
                channel.settings = matched.channel_settings()
                await channel.reset()
            chosen = matched
    except ATChannelError as exc:
        if isinstance(exc, ModemFault):
            raise
        raise ModemFault(f"{channel.port}: {exc}") from exc
    return Modem(channel.port, channel, chosen, how, choose_class(info, chosen), info)
