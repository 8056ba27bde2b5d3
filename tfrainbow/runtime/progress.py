"""One progress line every few seconds: env steps, episodes, recent return, speeds, ETA."""
import sys
import time
from typing import Optional

import numpy as np


def _duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


class Progress:
    """Prints progress lines to stdout and returns the figures for TensorBoard."""

    def __init__(self, max_env_steps: int, start_steps: int = 0, start_updates: int = 0,
                 interval_s: float = 5.0, stream=sys.stdout):
        self.max_env_steps, self.interval_s, self.stream = max_env_steps, interval_s, stream
        self._start = self._last = time.monotonic()
        self._last_steps, self._last_updates = start_steps, start_updates

    def restart(self, start_steps: int, start_updates: int):
        """Rates from these counts (a resumed run's), from now."""
        self._start = self._last = time.monotonic()
        self._last_steps, self._last_updates = start_steps, start_updates

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self._start

    def due(self) -> bool:
        """Whether interval_s has passed since the last progress line."""
        return time.monotonic() - self._last >= self.interval_s

    def say(self, text: str):
        """Prints one line now."""
        print(text, file=self.stream, flush=True)

    def say_timed(self, text: str):
        """Prints one line now, after the run's elapsed time."""
        self.say(f"[{_duration(self.elapsed())}] {text}")

    def update(self, env_steps: int, episodes: int, updates: int, recent_returns,
               replay_size: int, last_eval: Optional[float] = None) -> dict:
        """Prints a progress line (with the last evaluation's mean, if any); returns its
        figures (rates since the last line)."""
        now = time.monotonic()
        dt = max(now - self._last, 1e-9)
        steps_per_s = (env_steps - self._last_steps) / dt
        updates_per_s = (updates - self._last_updates) / dt
        self._last, self._last_steps, self._last_updates = now, env_steps, updates
        mean_return = float(np.mean(recent_returns)) if len(recent_returns) else float("nan")
        # No env steps since the last line (actors starting): no estimate yet.
        eta = (_duration((self.max_env_steps - env_steps) / steps_per_s) if steps_per_s > 0
               else "--")
        self.say(f"[{_duration(self.elapsed())}] env steps {env_steps:,}/{self.max_env_steps:,}"
                 f" | episodes {episodes:,} | return (last 100) {mean_return:.1f}"
                 f"{'' if last_eval is None else f' | eval {last_eval:.1f}'}"
                 f" | {steps_per_s:.0f} env steps/s | {updates_per_s:.0f} "
                 f"updates/s | replay {replay_size:,} | ETA {eta}")
        return {"train/mean_return": mean_return, "speed/env_steps_per_s": steps_per_s,
                "speed/updates_per_s": updates_per_s, "replay/size": float(replay_size)}
