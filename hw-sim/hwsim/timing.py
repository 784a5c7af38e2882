"""Line time versus wall-clock time.

Every delay the phone line imposes (ringing, CED, preambles, trainings, bytes at the bit
rate) is expressed in *line seconds* and converted here. Real time keeps them as they are;
accelerated mode multiplies them by ``scale`` so a test suite runs fast while the order of
events on the line stays the same. Signals a DTE must catch (preambles and trainings) keep
a small wall-clock floor in accelerated mode: the DTE on the other side is a real process
with real latency, and a 20 ms preamble would make every receiver "late".
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Timing:
    scale: float = 1.0
    min_signal_s: float = 0.0
    name: str = "realtime"
    # Shortest wall time from the first image byte to the end of an image carrier. efax
    # divides the bytes of a page by the whole seconds it took (efax.c end_data) and dies
    # of SIGFPE when a page takes less than one; no real page is that short.
    min_image_data_s: float = 0.0

    def wall(self, line_s: float) -> float:
        """Wall-clock seconds for ``line_s`` seconds of line time."""
        return line_s * self.scale

    def signal(self, line_s: float) -> float:
        """Wall-clock length of a preamble or training, floored for real DTE latency."""
        return max(line_s * self.scale, min(line_s, self.min_signal_s))

    def line(self, wall_s: float) -> float:
        return wall_s / self.scale


REALTIME = Timing(1.0, 0.0, "realtime")
ACCELERATED = Timing(0.02, 0.12, "accelerated", 1.1)


def timing_from(value: "Timing | str | float") -> Timing:
    """Accept a Timing, ``"realtime"``, ``"accelerated"`` or a bare scale factor."""
    if isinstance(value, Timing):
        return value
    if value == "realtime":
        return REALTIME
    if value == "accelerated":
        return ACCELERATED
    scale = float(value)
    if not 0 < scale <= 1:
        raise ValueError(f"timing scale must be in (0, 1], got {scale}")
    if scale == 1:
        return REALTIME
    return Timing(scale, ACCELERATED.min_signal_s, f"x{scale}", ACCELERATED.min_image_data_s)


def now() -> float:
    return time.monotonic()
