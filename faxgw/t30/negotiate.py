"""Capability negotiation (T.30 clause 5.3.6.2: DCS must be within what DIS offered),
training (TCF) and its judgement, and the receiver's verdict on a page.

Pure functions over ``DisCapabilities``: the sender's choice of speed, resolution, width,
coding and scan time from both sides' capabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

from faxgw.session import Coding, PageFormat, Resolution, WIDTH_A4_PX
from faxgw.t30.dis import DCS_SCAN_TIMES_MS, FALLBACK_ORDER, DcsSettings, DisCapabilities
from faxgw.t30.frames import FCF
from faxgw.t30.link import Modulation
from faxgw.t30.timers import TCF_DURATION_S, TCF_GOOD_ZERO_RUN_S


@dataclass(frozen=True, slots=True)
class LocalCapabilities:
    """What our side (modem + config) can do; the receiver's DIS is built from it."""

    ident: str = ""
    modulations: tuple[Modulation, ...] = FALLBACK_ORDER  # from +FTM=? / +FRM=?
    resolutions: frozenset[Resolution] = frozenset(Resolution)
    mr: bool = True
    widths: tuple[int, ...] = (WIDTH_A4_PX,)
    lengths: tuple[str, ...] = ("A4", "B4", "unlimited")
    min_scan_ms: int = 0  # what we need as receiver; honoured as a floor when sending
    ecm: bool = False  # error correction mode (T.30 Annex A) offered and used
    ecm_frame_size: int = 256  # octets per ECM frame we send: 256, or 64 for bad lines
    mmr: bool = True  # T.6 coding; offered only with ECM (T.30 Table 2 note: MMR needs ECM)

    def dis(self) -> DisCapabilities:
        """Our DIS: one scan time for every resolution (T7.7 = T3.85)."""
        scan = min(t for t in DCS_SCAN_TIMES_MS if t >= self.min_scan_ms)
        return DisCapabilities(
            modulations=self.speeds(), fine=Resolution.FINE in self.resolutions,
            superfine=Resolution.SUPERFINE in self.resolutions, mr=self.mr,
            widths=self.widths, lengths=self.lengths, scan_ms=(scan, scan),
            ready_to_receive=True, ecm=self.ecm, mmr=self.ecm and self.mmr)

    def speeds(self) -> tuple[Modulation, ...]:
        """Our modulations in fallback order (V.17 short-train codes folded in)."""
        families = {(m.family, m.bit_rate) for m in self.modulations}
        return tuple(m for m in FALLBACK_ORDER if (m.family, m.bit_rate) in families)


def common_speeds(remote: DisCapabilities, local: LocalCapabilities) -> tuple[Modulation, ...]:
    """The fallback sequence of this call: speeds both sides can use, highest first."""
    ours = set(local.speeds())
    return tuple(m for m in remote.modulations if m in ours)


def speeds_up_to(speeds: tuple[Modulation, ...], limit: int | None
                 ) -> tuple[Modulation, ...]:
    """The fallback sequence from a learned start speed down (``limit`` bit/s, None: no
    limit); the slowest speed when the limit is below every one of them."""
    if limit is None or not speeds:
        return speeds
    return tuple(m for m in speeds if m.bit_rate <= limit) or speeds[-1:]


def capability_names(remote: DisCapabilities) -> tuple[str, ...]:
    """A DIS in words: its named capabilities, then each speed ("V.17 14400")."""
    return (*remote.named, *(f"{m.family} {m.bit_rate}" for m in remote.modulations))


def _resolution(remote: DisCapabilities, wanted: Resolution) -> Resolution:
    """The finest resolution no finer than the document's that the receiver takes."""
    candidates = [r for r in remote.resolutions if r.rank <= wanted.rank]
    return max(candidates, key=lambda r: r.rank)


def _scan_ms(remote: DisCapabilities, local: LocalCapabilities, res: Resolution) -> int:
    """The larger of both sides' needs, rounded up to a time DCS can state."""
    need = max(remote.min_scan_ms(res), local.min_scan_ms)
    return min(t for t in DCS_SCAN_TIMES_MS if t >= need)


def choose_dcs(remote: DisCapabilities, local: LocalCapabilities, modulation: Modulation,
               wanted: Resolution, wanted_width: int) -> DcsSettings:
    """DCS for one training attempt at ``modulation`` (T.30 clause 5.3.6.2)."""
    resolution = _resolution(remote, wanted)
    widths = [w for w in remote.widths if w in local.widths or w == WIDTH_A4_PX]
    width = max([w for w in widths if w <= wanted_width] or [WIDTH_A4_PX])
    length = remote.lengths[-1] if remote.lengths[-1] in local.lengths else "A4"
    ecm = remote.ecm and local.ecm
    if ecm and remote.mmr and local.mmr:
        coding = Coding.MMR
    else:
        coding = Coding.MR if remote.mr and local.mr else Coding.MH
    # With ECM the data travels in frames: no fill bits, so no minimum scan line time
    # (T.30 Table 2 note 19: the receiver buffers the partial page).
    return DcsSettings(modulation=modulation, resolution=resolution, coding=coding,
                       width_px=width, length=length,
                       min_scan_ms=0 if ecm else _scan_ms(remote, local, resolution),
                       ecm=ecm, ecm_64_octet_frames=ecm and local.ecm_frame_size == 64)


def page_format(dcs: DcsSettings) -> PageFormat:
    return PageFormat(coding=dcs.coding, resolution=dcs.resolution, width_px=dcs.width_px,
                      min_scan_ms=dcs.min_scan_ms, bit_rate=dcs.modulation.bit_rate,
                      ecm=dcs.ecm)


def dcs_acceptable(dcs: DcsSettings, local: LocalCapabilities) -> bool:
    """Whether we, as receiver, can take what the sender commands."""
    coding_ok = (dcs.coding is Coding.MH or (dcs.coding is Coding.MR and local.mr)
                 or (dcs.coding is Coding.MMR and dcs.ecm and local.mmr))
    return (dcs.modulation in local.speeds() and dcs.resolution in local.resolutions
            and coding_ok and dcs.width_px in (*local.widths, WIDTH_A4_PX)
            and (local.ecm or not dcs.ecm))


# --- training check (TCF) ---------------------------------------------------------------

def tcf_data(modulation: Modulation) -> bytes:
    """TCF: 1.5 s of zeros at the trained speed (T.30 clause 5.3.6.2.10 note)."""
    return bytes(int(modulation.bit_rate * TCF_DURATION_S) // 8)


def longest_zero_run_bits(data: bytes) -> int:
    """The longest run of consecutive 0 bits, across byte boundaries."""
    best = run = 0
    for octet in data:
        if octet == 0:
            run += 8
            continue
        low = (octet & -octet).bit_length() - 1  # zeros before the first 1 in time
        best = max(best, run + low)
        run = 8 - octet.bit_length()  # zeros after the last 1 in time
    return max(best, run)


def judge_tcf(data: bytes, modulation: Modulation) -> tuple[bool, float]:
    """(good, seconds of the longest zero run): good when about a second is clean."""
    run_s = longest_zero_run_bits(data) / modulation.bit_rate
    return run_s >= TCF_GOOD_ZERO_RUN_S, run_s


# --- the receiver's verdict on a page (T.30 clause 5.3.6.1.6 MCF/RTP/RTN) ---------------

@dataclass(frozen=True, slots=True)
class PageQuality:
    """What the decoder found in a received page (the codec's bad-lines report)."""

    total_lines: int
    bad_lines: int
    longest_bad_run: int


@dataclass(frozen=True, slots=True)
class QualityPolicy:
    """Thresholds for MCF/RTP/RTN. A few isolated bad lines are invisible on paper and
    are repaired by repeating the previous line; a burst is a torn page."""

    mcf_max_bad_ratio: float = 0.02
    mcf_max_bad_run: int = 4
    rtp_max_bad_ratio: float = 0.10
    rtp_max_bad_run: int = 16
    min_lines: int = 1


def judge_page(quality: PageQuality, policy: QualityPolicy) -> FCF:
    """MCF: page fine. RTP: page kept, but retrain before the next. RTN: page not
    accepted, retrain and send it again."""
    if quality.total_lines < policy.min_lines:
        return FCF.RTN
    ratio = quality.bad_lines / quality.total_lines
    if ratio <= policy.mcf_max_bad_ratio and quality.longest_bad_run <= policy.mcf_max_bad_run:
        return FCF.MCF
    if ratio <= policy.rtp_max_bad_ratio and quality.longest_bad_run <= policy.rtp_max_bad_run:
        return FCF.RTP
    return FCF.RTN
