"""One progress line every few seconds: env steps, episodes, recent return, speeds, ETA."""
import sys
import time

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
        self._last_eval = ""

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self._start

    def due(self) -> bool:
        """Whether interval_s has passed since the last progress line."""
        return time.monotonic() - self._last >= self.interval_s

    def say(self, text: str):
        """Prints one line now."""
        print(text, file=self.stream, flush=True)

    def update(self, env_steps: int, episodes: int, updates: int, recent_returns,
               replay_size: int) -> dict:
        """Prints a progress line; returns its figures (rates since the last line)."""
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
                 f"{self._last_eval} | {steps_per_s:.0f} env steps/s | {updates_per_s:.0f} "
                 f"updates/s | replay {replay_size:,} | ETA {eta}")
        return {"train/mean_return": mean_return, "speed/env_steps_per_s": steps_per_s,
                "speed/updates_per_s": updates_per_s, "replay/size": float(replay_size)}

    def eval(self, env_steps: int, result):
        """Prints an evaluation result; later progress lines repeat its mean."""
        self._last_eval = f" | eval {result.mean:.1f}"
        self.say(f"[{_duration(self.elapsed())}] evaluation at {env_steps:,} env steps: mean "
                 f"return {result.mean:.1f} +- {result.std:.1f} over {len(result.returns)} "
                 "episodes (greedy policy)")
