"""The one place a ``FaxSession`` is built for an opened modem.

The daemon's pool and the technician commands (``faxgw modem send`` / ``receive``) both
ask here, so what a technician tries on a modem is what the daemon does with it: the same
class (Class 1 runs faxgw's T.30, Class 2 / 2.0 the modem's), the same modulations, and
the same rule for ECM.
"""

from __future__ import annotations

from dataclasses import dataclass

from faxgw.modem.class1.session import Class1Config, Class1Session
from faxgw.modem.class2.session import Class2Config
from faxgw.modem.class2.variants import SESSIONS as CLASS2_SESSIONS
from faxgw.modem.device import Modem
from faxgw.modem.pages import PageDecoder
from faxgw.modem.profiles import Profile
from faxgw.page_decoder import G3Decoder
from faxgw.session import FaxSession
from faxgw.t30.link import Modulation
from faxgw.t30.negotiate import LocalCapabilities


@dataclass(frozen=True)
class SessionOptions:
    """What the operator says about one modem's calls (``[[modem]]`` keys, CLI flags)."""

    ident: str = ""  # our station id, sent as TSI / CSI
    ecm: bool = True  # allow error correction mode where the modem and far end can
    ecm_frame_size: int = 256  # 64: smaller ECM frames for a noisy line


def build_session(modem: Modem, options: SessionOptions,
                  decoder: PageDecoder | None = None) -> FaxSession:
    """A session on ``modem``; ``decoder`` judges received pages (default: faxgw.g3's)."""
    decoder = decoder or G3Decoder()
    if modem.fclass in CLASS2_SESSIONS:  # the modem runs T.30 (Class 2 / 2.0)
        return CLASS2_SESSIONS[modem.fclass](
            modem.channel, modem.profile, Class2Config(ident=options.ident, ecm=options.ecm),
            decoder)
    ecm, frame_size = ecm_for(modem, options)
    local = LocalCapabilities(ident=options.ident, modulations=modulations(modem),
                              ecm=ecm, ecm_frame_size=frame_size)
    return Class1Session(modem.class1_link(), Class1Config(local=local), decoder)


def ecm_for(modem: Modem, options: SessionOptions) -> tuple[bool, int]:
    """(use ECM, frame size) for a Class 1 modem. Every Class 1 modem can carry ECM: where
    its ``+FTH=?`` lists only V.21 (most do) the host frames ECM's HDLC and sends it as
    image data, so only the profile's ``[driver] ecm`` and the operator's options decide;
    the smaller frame size of the two wins."""
    return ecm_choice(modem.profile, options)


def ecm_choice(profile: Profile, options: SessionOptions) -> tuple[bool, int]:
    """The rule of ``ecm_for`` on a profile alone."""
    return profile.ecm and options.ecm, min(profile.ecm_frame_size, options.ecm_frame_size)


def modulations(modem: Modem) -> tuple[Modulation, ...]:
    """What this modem can both send and receive (probed, minus its profile's lies)."""
    transmit, receive = modem.class1_modulations()
    both = tuple(m for m in transmit if m in receive)
    return both or LocalCapabilities().modulations
