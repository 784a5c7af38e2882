"""Named modem quirks: deviations from T.31/T.32 that need code, switched on by a profile.

A profile's ``[quirks]`` table may only name quirks listed in ``QUIRKS`` (anything else is
refused with its name), and every quirk it sets away from its default needs a line in
``[sources]`` saying where the behaviour is documented. The drivers ask the hooks below
instead of testing a modem's name: no manufacturer ``if`` anywhere in the code.

hw-sim plays the same quirks from the same profile (``hwsim.quirks``), so a test that runs a
quirky family fails when faxgw ignores one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from faxgw.modem.at.results import Kind

FCS_OCTETS = 2  # T.31 8.3.6: the DCE passes the frame's two FCS octets after its data
# A modem that never says +FCERROR is silent when +FRM hears V.21 instead of image data:
# T.30 sends TCF or the page within 75 ms of DCS's end, so a carrier that has not come in
# this long is taken for the far end's V.21 command instead.
SILENT_WRONG_CARRIER_S = 2.5


@dataclass(frozen=True)
class Quirks:
    # The modem sends a DLE inside +FRH frame data as one byte instead of <DLE><DLE>
    # (T.31 clause 8.3.6 says double it). Unstuff so that a lone DLE is data.
    hdlc_dle_undoubled: bool = False
    # The modem answers ERROR instead of +FCERROR when it hears another modulation than
    # the one +FRH/+FRM asked for (seen in pre-T.31, EIA-578 Class 1 modems).
    fcerror_as_error: bool = False
    # The modem never reports +FCERROR: +FRM stays silent while V.21 is on the line.
    fcerror_never_reported: bool = False
    # The modem says CONNECT to +FTM before its transmitter takes image data: bytes written
    # in the first this-many ms are lost.
    tm_connect_delay_ms: int = 0
    # The modem answers +FRH=3 at a turnaround with CONNECT then NO CARRIER, before any
    # flags. No hook: the T.30 runner listens again after a NO CARRIER that brought no
    # frame, for any modem; the flag is here so that hw-sim plays it and a test keeps
    # that true.
    rh_connect_bug: bool = False
    # +FRS resets the modem (or does nothing useful): wait for silence on the host's clock.
    frs_unusable: bool = False
    # +FTS is refused or does nothing useful: keep silent on the host's clock.
    fts_unusable: bool = False
    # +FRH frame data comes without the two FCS octets T.31 puts after it.
    hdlc_fcs_absent: bool = False
    # Class 2/2.0: received page data arrives in the opposite bit order of what the bit
    # order command (+FBO/+FBOR=0) promises.
    class2_rx_bit_reversed: bool = False


QUIRKS: tuple[str, ...] = tuple(f.name for f in fields(Quirks))
_TYPES = {f.name: type(f.default) for f in fields(Quirks)}
_DEFAULTS = {f.name: f.default for f in fields(Quirks)}


def load_quirks(table: dict[str, object], where: str) -> Quirks:
    """Build Quirks from a profile's [quirks] table; unknown names and wrong types refused."""
    for name, value in table.items():
        if name not in QUIRKS:
            known = ", ".join(sorted(QUIRKS))
            raise ValueError(f"{where}: unknown quirk 'quirks.{name}' (known: {known})")
        kind = _TYPES[name]
        if type(value) is not kind:
            wanted = {bool: "true or false", int: "an integer"}[kind]
            raise ValueError(f"{where}: 'quirks.{name}' must be {wanted}, not {value!r}")
        if kind is int and value < 0:
            raise ValueError(f"{where}: 'quirks.{name}' must not be negative")
    return Quirks(**table)  # type: ignore[arg-type]


def set_quirks(quirks: Quirks) -> dict[str, object]:
    """The quirks that differ from their defaults: the ones a profile must give a source."""
    return {name: getattr(quirks, name) for name in QUIRKS
            if getattr(quirks, name) != _DEFAULTS[name]}


# --- hooks the Class 1 link calls ---------------------------------------------------------

def hdlc_data_doubled(quirks: Quirks) -> bool:
    return not quirks.hdlc_dle_undoubled


def receive_refusal_means_wrong_carrier(quirks: Quirks, kind: Kind) -> bool:
    """Does this answer to +FRH/+FRM (before any CONNECT) mean "another modulation"?"""
    return kind is Kind.FCERROR or (quirks.fcerror_as_error and kind is Kind.ERROR)


def image_receive_wait_s(quirks: Quirks, timeout_s: float) -> tuple[float, bool]:
    """(how long +FRM may wait for CONNECT, whether running out means WrongCarrier)."""
    if quirks.fcerror_never_reported:
        return min(timeout_s, SILENT_WRONG_CARRIER_S), True
    return timeout_s, False


def connect_to_data_delay_s(quirks: Quirks, command: str, profile_delay_ms: int) -> float:
    """Pause between the CONNECT of ``command`` (+FTM or +FTH) and the first data byte:
    the profile's [timing] pause for every transmit, the quirk's for image data."""
    image = command.upper().startswith("AT+FTM")
    return max(quirks.tm_connect_delay_ms if image else 0, profile_delay_ms) / 1000


def silence_by_host(quirks: Quirks, command: str) -> bool:
    """Is ``+FRS`` / ``+FTS`` replaced by a timed pause of the host?"""
    return quirks.frs_unusable if command == "AT+FRS" else quirks.fts_unusable


def frame_without_fcs(quirks: Quirks, data: bytes) -> bytes:
    """+FRH frame data without its FCS octets (which some modems do not pass)."""
    return data if quirks.hdlc_fcs_absent else data[:-FCS_OCTETS]


def frame_is_noise(quirks: Quirks, data: bytes) -> bool:
    """Too short to hold address, control and FCF once the FCS is gone."""
    return len(frame_without_fcs(quirks, data)) < 1


# --- hooks the Class 2 drivers call -------------------------------------------------------

def class2_rx_reversed(quirks: Quirks, dialect_reverses: bool) -> bool:
    """Does received Class 2 page data need its bits reversed?"""
    return dialect_reverses != quirks.class2_rx_bit_reversed
