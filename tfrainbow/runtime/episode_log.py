"""Every finished training episode of a run, as root_dir/episodes.csv (env steps at its
end, undiscounted return, length): the log learning curves and the MinAtar benchmark's
per-window training returns are computed from. Written at each checkpoint, so it holds
exactly the episodes of the state a resumed run continues from."""
import csv
import os
import threading

FILE, HEADER = "episodes.csv", ("env_steps", "return", "length")


class EpisodeLog:
    """Episodes recorded from the actor (any thread), appended to the file on flush()."""

    def __init__(self, root_dir: str):
        self.path = os.path.join(root_dir, FILE)
        self._pending, self._lock = [], threading.Lock()

    def record(self, env_steps: int, episode_return: float, length: int):
        """One finished episode, kept until the next flush."""
        with self._lock:
            self._pending.append((int(env_steps), float(episode_return), int(length)))

    def recent_returns(self, count: int = 100):
        """The returns of the last `count` logged episodes (a resumed run's recent ones)."""
        return [ret for _, ret, _ in read_episodes(os.path.dirname(self.path))[-count:]]

    def flush(self):
        """Appends the recorded episodes to the file (created with its header)."""
        with self._lock:
            pending, self._pending = self._pending, []
        new = not os.path.exists(self.path)
        with open(self.path, "a", newline="") as f:
            writer = csv.writer(f)
            if new:
                writer.writerow(HEADER)
            writer.writerows(pending)


def read_episodes(root_dir: str):
    """[(env_steps, return, length)] of root_dir/episodes.csv, in order ([] if none)."""
    path = os.path.join(root_dir, FILE)
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    return [(int(s), float(r), int(n)) for s, r, n in rows]
