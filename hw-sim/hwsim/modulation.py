"""Carrier modulations of a fax line, by their T.31 ``<mod>`` codes (T.31 Table 1)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Modulation:
    code: int
    family: str
    bit_rate: int
    # Line seconds between carrier start and the first data bit: for V.21 the flag
    # preamble (T.30 clause 5.3.1: 1 s +-15 %), otherwise the modem training sequence
    # (V.27ter clause 2.5, V.29 clause 3.3, V.17 clause 7: long and short trains).
    training_s: float

    @property
    def label(self) -> str:
        return f"{self.family} {self.bit_rate}"

    @property
    def is_hdlc(self) -> bool:
        return self.code == 3

    def matches(self, other: "Modulation") -> bool:
        """Same family and rate: a receiver set for one can demodulate the other.

        Long and short V.17 trainings (73/74 etc.) differ only in the training.
        """
        return self.family == other.family and self.bit_rate == other.bit_rate


_TABLE = [
    Modulation(3, "V.21", 300, 1.0),
    Modulation(24, "V.27ter", 2400, 0.943),
    Modulation(48, "V.27ter", 4800, 0.708),
    Modulation(72, "V.29", 7200, 0.253),
    Modulation(96, "V.29", 9600, 0.253),
    Modulation(73, "V.17", 7200, 1.393),
    Modulation(74, "V.17", 7200, 0.142),
    Modulation(97, "V.17", 9600, 1.393),
    Modulation(98, "V.17", 9600, 0.142),
    Modulation(121, "V.17", 12000, 1.393),
    Modulation(122, "V.17", 12000, 0.142),
    Modulation(145, "V.17", 14400, 1.393),
    Modulation(146, "V.17", 14400, 0.142),
]
BY_CODE = {m.code: m for m in _TABLE}
V21 = BY_CODE[3]
# CED (T.30 clause 4.1.2: 2100 Hz for 2.6 to 4 s) is a tone, not a data carrier: listeners
# for HDLC or image data ignore it, but the line carries and logs it.
CED = Modulation(0, "CED", 0, 0.0)


def by_code(code: int) -> Modulation | None:
    return BY_CODE.get(code)
