"""Named modem quirks: deviations from T.31 that need code, switched on by a profile.

A profile's ``[quirks]`` table may only name quirks listed in ``QUIRKS`` (anything else is
refused with its name). The Class 1 link asks the hooks below instead of testing a modem's
name: no manufacturer ``if`` anywhere in the code (architecture habit 9).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from faxgw.modem.at.results import Kind


@dataclass(frozen=True)
class Quirks:
    # The modem sends a DLE inside +FRH frame data as one byte instead of <DLE><DLE>
    # (T.31 clause 8.3.6 says double it). Unstuff so that a lone DLE is data.
    hdlc_dle_undoubled: bool = False
    # The modem answers ERROR instead of +FCERROR when it hears another modulation than
    # the one +FRH/+FRM asked for (seen in pre-T.31, EIA-578 Class 1 modems).
    fcerror_as_error: bool = False


QUIRKS: tuple[str, ...] = tuple(f.name for f in fields(Quirks))  # every quirk is a flag


def load_quirks(table: dict[str, object], where: str) -> Quirks:
    """Build Quirks from a profile's [quirks] table; unknown names and wrong types refused."""
    for name, value in table.items():
        if name not in QUIRKS:
            known = ", ".join(sorted(QUIRKS))
            raise ValueError(f"{where}: unknown quirk 'quirks.{name}' (known: {known})")
        if not isinstance(value, bool):
            raise ValueError(f"{where}: 'quirks.{name}' must be true or false, not {value!r}")
    return Quirks(**table)  # type: ignore[arg-type]


# --- hooks the Class 1 link calls ---------------------------------------------------------

def hdlc_data_doubled(quirks: Quirks) -> bool:
    return not quirks.hdlc_dle_undoubled


def receive_refusal_means_wrong_carrier(quirks: Quirks, kind: Kind) -> bool:
    """Does this answer to +FRH/+FRM (before any CONNECT) mean "another modulation"?"""
    return kind is Kind.FCERROR or (quirks.fcerror_as_error and kind is Kind.ERROR)
