"""How late the event loop runs: a task that asks to wake every ``interval_s`` and records
by how much it overslept. Calls, HTTP requests and the claim loop share this loop; a
blocking call anywhere shows up here as lag."""

from __future__ import annotations

import asyncio
import collections
import math


class LoopLag:
    def __init__(self, interval_s: float = 0.05, keep: int = 200_000) -> None:
        self.interval_s = interval_s
        self.samples: collections.deque[float] = collections.deque(maxlen=keep)
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="loop-lag")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(self.interval_s)
            self.samples.append(max(0.0, loop.time() - asked - self.interval_s))

    def stats(self) -> dict:
        return summary(list(self.samples), "ms", 1000.0)


def summary(values: list[float], unit: str, factor: float = 1.0) -> dict:
    """count, mean, p50, p99 and max of ``values`` (scaled by ``factor``)."""
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, math.ceil(p * len(ordered)) - 1)] * factor, 3)

    return {"count": len(values), "unit": unit,
            "mean": round(sum(values) / len(values) * factor, 3),
            "p50": pct(0.50), "p99": pct(0.99), "max": round(ordered[-1] * factor, 3)}
