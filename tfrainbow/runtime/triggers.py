"""Periodic work of a run loop as triggers (TF-Agents' IntervalTrigger): checkpoint, publish,
evaluate every N of a counter (env steps or updates), log every N seconds."""
import time
from typing import Callable, Optional


class IntervalTrigger:
    """Calls `fn(count)` when `count` reaches the next multiple of `interval` past `start`
    (a counter may jump by several: it fires once, then waits for the next multiple past
    it). `interval` None or 0: never."""

    def __init__(self, interval: Optional[int], fn: Callable[[int], object], start: int = 0):
        self.interval, self.fn = int(interval or 0), fn
        self._next = self._after(start)

    def _after(self, count: int) -> Optional[int]:
        return (count // self.interval + 1) * self.interval if self.interval else None

    def due(self, count: int) -> bool:
        """Whether the next call with `count` fires."""
        return self._next is not None and count >= self._next

    def __call__(self, count: int):
        """fn(count) if due (its result), else None."""
        if not self.due(count):
            return None
        self._next = self._after(count)
        return self.fn(count)


class TimeTrigger:
    """Calls `fn(count)` once `interval_s` seconds passed since it last fired (or began)."""

    def __init__(self, interval_s: float, fn: Callable[[int], object], clock=time.monotonic):
        self.interval_s, self.fn, self._clock = float(interval_s), fn, clock
        self._last = clock()

    def __call__(self, count: int):
        """fn(count) if due (its result), else None."""
        now = self._clock()
        if now - self._last < self.interval_s:
            return None
        self._last = now
        return self.fn(count)
