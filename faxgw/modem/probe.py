"""Probe what a modem is and what it offers, and find the profile that fits it.

Queries: ``ATI``, ``AT+FCLASS=?``, then in Class 1 the T.31 identification (``+FMI?``,
``+FMM?``, ``+FMR?``; V.250 ``+GMI``/``+GMM``/``+GMR`` when refused) and capability
queries (``+FTM=?``, ``+FRM=?``, ``+FTH=?``, ``+FRH=?``, T.31 clause 8.3). A query the
modem refuses is recorded as absent, never guessed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from faxgw.modem.at.channel import AtChannel
from faxgw.modem.at.errors import ATError
from faxgw.modem.profiles import Match, Profile, ProfileError
from faxgw.modem.at.results import parse_number_list, strip_info_prefix
from faxgw.t30.link import Modulation

CLASS1_VALUES = ("1.0", "1")
CLASS2_VALUES = ("2.0", "2")
# Without a profile naming its classes, the order in which a modem's offered classes are
# taken: Class 1 first (faxgw's own T.30, the best trace and control), then T.32's Class
# 2.0, then the older Class 2 draft.
PROBE_ORDER = CLASS1_VALUES + CLASS2_VALUES


@dataclass(frozen=True)
class ModemInfo:
    device: str
    ati: tuple[str, ...] = ()
    ati3: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    revision: str | None = None
    classes: tuple[str, ...] = ()
    ftm: tuple[int, ...] = ()
    frm: tuple[int, ...] = ()
    fth: tuple[int, ...] = ()
    frh: tuple[int, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def has_class1(self) -> bool:
        return any(c in self.classes for c in CLASS1_VALUES)

    def to_json(self) -> dict:
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in asdict(self).items()}


async def probe(channel: AtChannel) -> ModemInfo:
    """Ask the modem; leaves it in Class 0 (data), as after a reset."""
    warnings: list[str] = []
    ati = await _info_lines(channel, "ATI", warnings)
    ati3 = " ".join(await _info_lines(channel, "ATI3", warnings)) or None
    classes = _parse_classes(await _answer(channel, "AT+FCLASS=?", warnings))
    class1 = next((c for c in CLASS1_VALUES if c in classes), None)
    if class1 is not None:
        await channel.command(f"AT+FCLASS={class1}")
    identity = [await _identity(channel, fax, generic, warnings)
                for fax, generic in (("AT+FMI?", "AT+GMI"), ("AT+FMM?", "AT+GMM"),
                                     ("AT+FMR?", "AT+GMR"))]
    lists = {}
    for key in ("ftm", "frm", "fth", "frh"):
        text = await _answer(channel, f"AT+{key.upper()}=?", warnings) if class1 else None
        lists[key] = _numbers(text, key, warnings)
    if class1 is not None:
        await channel.command("AT+FCLASS=0")
    return ModemInfo(channel.port, ati, ati3, *identity, classes=classes, **lists,
                     warnings=tuple(warnings))


async def _info_lines(channel: AtChannel, command: str, warnings: list[str]) -> tuple[str, ...]:
    try:
        return (await channel.command(command)).info
    except ATError as exc:
        warnings.append(f"{command} refused: {exc.response}")
        return ()


async def _answer(channel: AtChannel, command: str, warnings: list[str]) -> str | None:
    lines = await _info_lines(channel, command, warnings)
    return strip_info_prefix(" ".join(lines), command) if lines else None


async def _identity(channel: AtChannel, fax: str, generic: str, warnings: list[str]) -> str | None:
    quiet: list[str] = []
    answer = await _answer(channel, fax, quiet) or await _answer(channel, generic, quiet)
    if answer is None:
        warnings.append(f"{fax} and {generic} gave nothing")
    return answer


def _parse_classes(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(t.strip() for t in text.replace("(", "").replace(")", "").split(",") if t.strip())


def _numbers(text: str | None, key: str, warnings: list[str]) -> tuple[int, ...]:
    if text is None:
        return ()
    try:
        return parse_number_list(text)
    except ValueError as exc:
        warnings.append(f"+{key.upper()}=?: {exc}")
        return ()


# --- matching a profile ----------------------------------------------------------------------

def profile_match(profile: Profile) -> Match:
    """The patterns ``profile`` recognises its modems by: [match], else [identity] exactly."""
    if profile.match is not None:
        return profile.match
    i = profile.identity
    return Match(i.manufacturer, i.model, i.revision, i.ati, i.ati3, exact=True)


def compare_identity(info: ModemInfo, profile: Profile) -> tuple[int, list[str]]:
    """(fields of ``profile``'s match the modem fits, what differs, one line each)."""
    match, fitted, differs = profile_match(profile), 0, []
    for key, pattern in match.fields():
        if key == "ati":
            ok, got = any(match.fits(pattern, line) for line in info.ati), list(info.ati)
        else:
            got = getattr(info, key)
            ok = match.fits(pattern, got)
        if ok:
            fitted += 1
        else:
            differs.append(f"{key}: wants {pattern!r}, modem says {got!r}")
    return fitted, differs


def identity_score(info: ModemInfo, profile: Profile) -> int | None:
    """How many identity fields of ``profile`` the modem matches; None if any differs."""
    fitted, differs = compare_identity(info, profile)
    return None if differs else fitted


def closest_profiles(info: ModemInfo, profiles: list[Profile]) -> list[tuple[Profile, int, list[str]]]:
    """Profiles naming a modem, the most fields fitted first: (profile, fitted, differences)."""
    rows = [(p, *compare_identity(info, p)) for p in profiles if not p.is_generic]
    return sorted(rows, key=lambda r: (bool(r[2]), -r[1], len(r[2]), r[0].name))


def match_profile(info: ModemInfo, profiles: list[Profile]) -> tuple[Profile, str]:
    """The best identity match, else a generic profile. Returns (profile, how)."""
    scored = [(identity_score(info, p), p) for p in profiles if not p.is_generic]
    matches = sorted(((s, p) for s, p in scored if s), key=lambda sp: (-sp[0], sp[1].name))
    if matches:
        return matches[0][1], "identity"
    # The generic profile for the best class the modem offers (Class 1 first).
    def rank(p: Profile) -> tuple[int, str]:
        offered = [PROBE_ORDER.index(c) for c in p.classes if c in info.classes]
        return (min(offered, default=len(PROBE_ORDER)), p.name != "generic-class1", p.name)

    generic = sorted((p for p in profiles if p.is_generic), key=rank)
    if not generic:
        raise ProfileError("no profile matches this modem and there is no generic profile")
    return generic[0], "generic"


def choose_class(info: ModemInfo | None, profile: Profile) -> str | None:
    """The first class of the profile's preference that the modem offers; for a modem
    matched only by a generic profile, the first of ``PROBE_ORDER`` it offers (Class 1
    where offered, else Class 2.0, else Class 2)."""
    if info is None or not info.classes:
        return profile.classes[0]
    chosen = next((c for c in profile.classes if c in info.classes), None)
    if chosen is None and profile.is_generic:
        chosen = next((c for c in PROBE_ORDER if c in info.classes), None)
    return chosen


def check_class(modem) -> str:
    """The fax class faxgw drives ``modem`` in; ModemFault when there is none."""
    if modem.fclass in CLASS2_VALUES:
        return modem.fclass
    modem.class1_link()  # raises ModemFault for a modem without Class 1
    return modem.fclass


def usable(info: ModemInfo | None, profile: Profile) -> tuple[list[Modulation], list[Modulation]]:
    """(transmit, receive) image modulations: what the modem offers (probed, else what its
    profile says) minus what the profile says it lies about (``[overrides]``)."""
    def pick(codes: tuple[int, ...], removed: tuple[int, ...]) -> list[Modulation]:
        known = {m.value: m for m in Modulation if m is not Modulation.V21}
        return [known[c] for c in codes if c in known and c not in removed]

    ftm = profile.ftm_override or (info.ftm if info is not None else profile.capabilities.ftm)
    frm = profile.frm_override or (info.frm if info is not None else profile.capabilities.frm)
    return pick(ftm, profile.ftm_remove), pick(frm, profile.frm_remove)


def usable_modulations(info: ModemInfo | None, profile: Profile) -> dict[str, list[str]]:
    """``usable`` by name, for JSON."""
    transmit, receive = usable(info, profile)
    return {"transmit": [m.name for m in transmit], "receive": [m.name for m in receive]}
