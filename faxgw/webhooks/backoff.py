"""When to try a failed delivery again, and when to give it up.

Exponential backoff with full jitter (the delay is drawn uniformly from 0 up to the
exponential step): many endpoints failing at once, e.g. a receiver restarting, do not come
back as a synchronised wave of retries. Each step is capped (``max_step_s``) so a receiver
that was down for hours is retried soon after it returns, and a floor (``min_step_s``)
keeps a zero draw from retrying in a busy loop.

The give-up clock starts when the delivery is queued (``window_start`` is the caller's
choice; the worker passes the time the event was fanned out, so events queued behind a
failing one in their fax's line do not each get a fresh window). The last retry is placed
at the give-up deadline rather than skipped, so a receiver gets the whole promised window;
a delivery first tried after its deadline still gets that one attempt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DAY_S = 24 * 3600.0


@dataclass(frozen=True)
class BackoffPolicy:
    base_s: float = 1.0
    factor: float = 2.0
    max_step_s: float = 600.0
    min_step_s: float = 0.1
    give_up_after_s: float = DAY_S

    def __post_init__(self) -> None:
        if not (0 < self.min_step_s <= self.base_s <= self.max_step_s):
            raise ValueError("need 0 < min_step_s <= base_s <= max_step_s")
        if self.factor < 1:
            raise ValueError("factor must be at least 1")
        if self.give_up_after_s < 0:
            raise ValueError("give_up_after_s must not be negative")

    def step_cap(self, failures: int) -> float:
        """The upper bound of the delay after the ``failures``-th failed attempt (1-based)."""
        if failures < 1:
            raise ValueError("failures counts from 1")
        # min() before the power would overflow for large counts; cap the exponent instead.
        exponent = min(failures - 1, 64)
        return min(self.max_step_s, self.base_s * self.factor**exponent)

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        draw = (rng or random).uniform(0.0, self.step_cap(failures))
        return max(self.min_step_s, draw)

    def next_attempt_at(
        self,
        failures: int,
        window_start: float,
        now: float,
        rng: random.Random | None = None,
    ) -> float | None:
        """When to try again after a failure at ``now``; None means give up now."""
        deadline = window_start + self.give_up_after_s
        if now >= deadline:
            return None
        return min(now + self.delay(failures, rng), deadline)
