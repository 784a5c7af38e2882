"""DIS/DTC (what a station can do) and DCS (what the sender chose), T.30 Table 2.

``DisCapabilities.decode`` turns a DIS or DTC information field, extension octets and
all, into named capabilities; ``DcsSettings`` does the same for DCS. Both encode back to
the exact bit pattern, so tests can round-trip hand-worked frames from the T.30 table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from faxgw.session import (Coding, Resolution, WIDTH_A3_PX, WIDTH_A4_PX, WIDTH_B4_PX)
from faxgw.t30.bits import bits_set, set_bits
from faxgw.t30.link import Modulation

# The T.30 fallback order (T.30 clause 5.3.3.6 leaves the steps to the
# implementation; this is the order every fax machine expects). Long-train codes: T.30
# clause 5.3.2.5 asks for V.17 long training with TCF and the first page after it.
FALLBACK_ORDER = (
    Modulation.V17_14400, Modulation.V17_12000, Modulation.V17_9600, Modulation.V17_7200,
    Modulation.V29_9600, Modulation.V29_7200, Modulation.V27TER_4800, Modulation.V27TER_2400,
)

# DCS bits 11-14 per modulation (T.30 Table 2, "data signalling rate", DCS column).
_DCS_RATE_BITS: dict[Modulation, frozenset[int]] = {
    Modulation.V27TER_2400: frozenset(), Modulation.V27TER_4800: frozenset({12}),
    Modulation.V29_9600: frozenset({11}), Modulation.V29_7200: frozenset({11, 12}),
    Modulation.V17_14400: frozenset({14}), Modulation.V17_12000: frozenset({12, 14}),
    Modulation.V17_9600: frozenset({11, 14}), Modulation.V17_7200: frozenset({11, 12, 14}),
}
_RATE_FIELD = frozenset({11, 12, 13, 14})

# Minimum scan line time, bits 21-23. DIS: (ms at 3.85 l/mm, ms at 7.7 l/mm); the codes
# with two values say "T7.7 = 1/2 T3.85". DCS: the one time the sender will respect.
_DIS_SCAN: dict[frozenset[int], tuple[int, int]] = {
    frozenset(): (20, 20), frozenset({23}): (40, 40), frozenset({22}): (10, 10),
    frozenset({21}): (5, 5), frozenset({22, 23}): (10, 5), frozenset({21, 22}): (20, 10),
    frozenset({21, 23}): (40, 20), frozenset({21, 22, 23}): (0, 0),
}
_DCS_SCAN: dict[int, frozenset[int]] = {
    20: frozenset(), 40: frozenset({23}), 10: frozenset({22}), 5: frozenset({21}),
    0: frozenset({21, 22, 23}),
}
_SCAN_FIELD = frozenset({21, 22, 23})
DCS_SCAN_TIMES_MS = tuple(sorted(_DCS_SCAN))

# Bits that are fields (decoded above) rather than flags.
_FIELD_BITS = _RATE_FIELD | _SCAN_FIELD | {15, 16, 17, 18, 19, 20, 27, 31, 41, 46}

# Names of the single-bit capabilities of T.30 Table 2 (DIS/DTC meaning).
NAMED_BITS: dict[int, str] = {
    1: "t37_internet_fax", 3: "t38_internet_fax", 4: "3g_mobile", 6: "v8_capable",
    7: "ecm_64_octets_preferred", 9: "ready_to_transmit", 10: "ready_to_receive",
    15: "fine", 16: "mr", 26: "uncompressed", 27: "ecm", 28: "ecm_64_octet_frames",
    31: "mmr", 33: "fnv", 34: "multiple_selective_polling", 35: "polled_subaddress",
    36: "t43", 37: "plane_interleave", 38: "g726_voice", 41: "superfine",
    42: "300x300", 43: "400x400", 44: "inch_based_resolution",
    45: "metric_based_preferred", 46: "scan_time_halves_at_superfine",
    47: "selective_polling", 49: "subaddressing", 50: "password",
    51: "ready_to_transmit_data_file", 53: "bft", 54: "dtm", 55: "edi", 57: "btm",
    59: "ready_to_transmit_mixed_mode", 60: "character_mode", 62: "mixed_mode",
    65: "processable_mode_26", 66: "digital_network", 67: "duplex", 68: "jpeg",
    69: "full_colour", 70: "preferred_huffman_tables", 71: "12_bits_per_component",
    73: "no_subsampling", 74: "custom_illuminant", 75: "custom_gamut",
    76: "north_american_letter", 77: "north_american_legal", 78: "t85", 79: "t85_l0",
    95: "t44_page_length", 97: "colour_300_400", 98: "colour_100x100",
    99: "simple_phase_c_bft", 100: "extended_bft", 101: "internet_selective_polling",
    102: "internet_routing_address", 105: "600x600", 106: "1200x1200",
    107: "300x600", 108: "400x800", 109: "600x1200",
}


def _names(bits: frozenset[int]) -> tuple[str, ...]:
    return tuple(NAMED_BITS.get(n, f"bit{n}") for n in sorted(bits))


def dis_modulations(bits: frozenset[int]) -> tuple[Modulation, ...]:
    """Modulations a DIS rate field offers, in fallback order (T.30 Table 2 note 2:
    0000 is V.27ter fallback mode (2400 only); bit 12 V.27ter, bit 11 V.29, bit 14 V.17)."""
    rate = bits & _RATE_FIELD
    families = {"V.27ter"} if 12 in rate else set()
    if 11 in rate:
        families.add("V.29")
    if 14 in rate:  # 1101: V.17 comes with V.29 and V.27ter
        families |= {"V.17", "V.29", "V.27ter"}
    offered = [m for m in FALLBACK_ORDER if m.family in families]
    if Modulation.V27TER_2400 not in offered:
        offered.append(Modulation.V27TER_2400)
    return tuple(offered)


def _dis_rate_bits(modulations: tuple[Modulation, ...]) -> frozenset[int]:
    families = {m.family for m in modulations}
    if "V.17" in families:
        return frozenset({11, 12, 14})
    bits = {11} if "V.29" in families else set()
    if Modulation.V27TER_4800 in modulations:
        bits.add(12)
    return frozenset(bits)


def _dis_widths(bits: frozenset[int]) -> tuple[int, ...]:
    # Bits 17, 18: 00 = 215 mm, 10 = 215 and 255 mm, 01 = 215, 255 and 303 mm,
    # 11 = invalid (read as the safe 215 mm only).
    if 17 in bits and 18 in bits:
        return (WIDTH_A4_PX,)
    if 18 in bits:
        return (WIDTH_A4_PX, WIDTH_B4_PX, WIDTH_A3_PX)
    if 17 in bits:
        return (WIDTH_A4_PX, WIDTH_B4_PX)
    return (WIDTH_A4_PX,)


def _dis_lengths(bits: frozenset[int]) -> tuple[str, ...]:
    # Bits 19, 20: 00 = A4 (297 mm), 10 = A4 and B4 (364 mm), 01 = unlimited, 11 invalid.
    if 20 in bits and 19 not in bits:
        return ("A4", "B4", "unlimited")
    if 19 in bits and 20 not in bits:
        return ("A4", "B4")
    return ("A4",)


@dataclass(frozen=True, slots=True)
class DisCapabilities:
    """A DIS (or DTC) decoded: what the station that sent it can receive."""

    modulations: tuple[Modulation, ...] = (Modulation.V27TER_2400,)
    fine: bool = False
    superfine: bool = False
    mr: bool = False
    mmr: bool = False
    ecm: bool = False
    widths: tuple[int, ...] = (WIDTH_A4_PX,)
    lengths: tuple[str, ...] = ("A4",)
    scan_ms: tuple[int, int] = (20, 20)  # at standard and at fine resolution
    scan_halves_at_superfine: bool = False  # bit 46
    ready_to_receive: bool = True
    flags: frozenset[int] = field(default=frozenset())  # other bits, by number

    @property
    def named(self) -> tuple[str, ...]:
        return _names(self.all_bits() - _RATE_FIELD - _SCAN_FIELD - {17, 18, 19, 20})

    def min_scan_ms(self, resolution: Resolution) -> int:
        standard, fine = self.scan_ms
        if resolution is Resolution.STANDARD:
            return standard
        if resolution is Resolution.FINE:
            return fine
        return fine // 2 if self.scan_halves_at_superfine else fine

    @property
    def resolutions(self) -> frozenset[Resolution]:
        found = {Resolution.STANDARD}
        if self.fine:
            found.add(Resolution.FINE)
        if self.superfine:
            found.add(Resolution.SUPERFINE)
        return frozenset(found)

    @classmethod
    def decode(cls, fif: bytes) -> DisCapabilities:
        if len(fif) < 3:
            raise ValueError(f"DIS information field too short: {fif.hex()}")
        bits = bits_set(fif)
        return cls(modulations=dis_modulations(bits), fine=15 in bits,
                   superfine=41 in bits, mr=16 in bits, mmr=31 in bits, ecm=27 in bits,
                   widths=_dis_widths(bits), lengths=_dis_lengths(bits),
                   scan_ms=_DIS_SCAN[bits & _SCAN_FIELD],
                   scan_halves_at_superfine=46 in bits, ready_to_receive=10 in bits,
                   flags=bits - _FIELD_BITS - {10})

    def all_bits(self) -> frozenset[int]:
        bits = set(self.flags) | set(_dis_rate_bits(self.modulations))
        bits |= {n for n, on in ((10, self.ready_to_receive), (15, self.fine),
                                 (16, self.mr), (27, self.ecm), (31, self.mmr),
                                 (41, self.superfine),
                                 (46, self.scan_halves_at_superfine)) if on}
        bits |= {_WIDTH_BITS_DIS[max(self.widths)]} - {0}
        bits |= {_LENGTH_BITS_DIS[self.lengths[-1]]} - {0}
        bits |= next(k for k, v in _DIS_SCAN.items() if v == self.scan_ms)
        return frozenset(bits)

    def encode(self) -> bytes:
        return set_bits(self.all_bits())


_WIDTH_BITS_DIS = {WIDTH_A4_PX: 0, WIDTH_B4_PX: 17, WIDTH_A3_PX: 18}
_LENGTH_BITS_DIS = {"A4": 0, "B4": 19, "unlimited": 20}
_WIDTH_BITS_DCS = {WIDTH_A4_PX: frozenset(), WIDTH_B4_PX: frozenset({17}),
                   WIDTH_A3_PX: frozenset({18})}
_LENGTH_BITS_DCS = {"A4": frozenset(), "B4": frozenset({19}), "unlimited": frozenset({20})}


@dataclass(frozen=True, slots=True)
class DcsSettings:
    """A DCS decoded: the parameters the sender commands for the coming pages."""

    modulation: Modulation
    resolution: Resolution = Resolution.STANDARD
    coding: Coding = Coding.MH
    width_px: int = WIDTH_A4_PX
    length: str = "A4"
    min_scan_ms: int = 20
    ecm: bool = False
    ecm_64_octet_frames: bool = False
    flags: frozenset[int] = field(default=frozenset())

    @property
    def named(self) -> tuple[str, ...]:
        return _names(bits_set(self.encode()) - _RATE_FIELD - _SCAN_FIELD - {17, 18, 19, 20})

    def all_bits(self) -> frozenset[int]:
        bits = {10} | set(self.flags) | _DCS_RATE_BITS[_long(self.modulation)]
        bits |= {15} if self.resolution is Resolution.FINE else set()
        bits |= {41} if self.resolution is Resolution.SUPERFINE else set()
        bits |= {16} if self.coding is Coding.MR else set()
        bits |= {31} if self.coding is Coding.MMR else set()
        bits |= {27} if self.ecm else set()
        bits |= {28} if self.ecm and self.ecm_64_octet_frames else set()
        bits |= _WIDTH_BITS_DCS[self.width_px] | _LENGTH_BITS_DCS[self.length]
        return frozenset(bits | _DCS_SCAN[self.min_scan_ms])

    def encode(self) -> bytes:
        return set_bits(self.all_bits())

    @classmethod
    def decode(cls, fif: bytes) -> DcsSettings:
        if len(fif) < 3:
            raise ValueError(f"DCS information field too short: {fif.hex()}")
        bits = bits_set(fif)
        return cls(modulation=_dcs_modulation(bits & _RATE_FIELD),
                   resolution=_dcs_resolution(bits), coding=_dcs_coding(bits),
                   width_px=WIDTH_A3_PX if 18 in bits else
                   WIDTH_B4_PX if 17 in bits else WIDTH_A4_PX,
                   length="unlimited" if 20 in bits else "B4" if 19 in bits else "A4",
                   min_scan_ms=_dcs_scan(bits & _SCAN_FIELD), ecm=27 in bits,
                   ecm_64_octet_frames=27 in bits and 28 in bits,
                   flags=bits - _FIELD_BITS - {10, 28})


_SHORT_TRAIN = {Modulation.V17_7200: Modulation.V17_7200_SHORT,
                Modulation.V17_9600: Modulation.V17_9600_SHORT,
                Modulation.V17_12000: Modulation.V17_12000_SHORT,
                Modulation.V17_14400: Modulation.V17_14400_SHORT}


def page_modulation(modulation: Modulation) -> Modulation:
    """The carrier for page data after a good TCF: V.17 with its short training (the long
    one trained the receiver for TCF; spandsp and efax send pages the same way). V.29 and
    V.27ter have one training only."""
    return _SHORT_TRAIN.get(modulation, modulation)


def _long(modulation: Modulation) -> Modulation:
    """The long-training code of a V.17 speed (same DCS bits as the short one)."""
    return {Modulation.V17_7200_SHORT: Modulation.V17_7200,
            Modulation.V17_9600_SHORT: Modulation.V17_9600,
            Modulation.V17_12000_SHORT: Modulation.V17_12000,
            Modulation.V17_14400_SHORT: Modulation.V17_14400}.get(modulation, modulation)


def _dcs_modulation(rate: frozenset[int]) -> Modulation:
    for modulation, bits in _DCS_RATE_BITS.items():
        if bits == rate:
            return modulation
    raise ValueError(f"DCS rate bits {sorted(rate)} name no modulation we know (V.33?)")


def _dcs_scan(bits: frozenset[int]) -> int:
    for ms, code in _DCS_SCAN.items():
        if code == bits:
            return ms
    raise ValueError(f"DCS scan time bits {sorted(bits)} are not a DCS code")


def _dcs_resolution(bits: frozenset[int]) -> Resolution:
    if 41 in bits:  # R8 x 15.4 lines/mm; bit 15 need not be set with it
        return Resolution.SUPERFINE
    return Resolution.FINE if 15 in bits else Resolution.STANDARD


def _dcs_coding(bits: frozenset[int]) -> Coding:
    if 31 in bits:
        return Coding.MMR
    return Coding.MR if 16 in bits else Coding.MH
