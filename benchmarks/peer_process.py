"""A peer that lives in its own environment, driven round by round from this process, so
that its rounds alternate with ours in one run (benchmarks/peers/*.py speak the protocol:
one JSON "ready" line after warm-up, then "run N" -> {"updates_per_s": ...}; a peer may answer
more, e.g. "profile N" -> {"kernel_ms": ...}).

While one side runs its round the other waits on a pipe, idle: each round has the machine.
"""
import json
import os
import subprocess
import sys
from typing import List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
# `make bench` builds each peer's environment here (never .venv).
PEERS_DIR = os.path.join(REPO, "runs", "peers")


class PeerProcess:
    """One peer script (a path; benchmarks/peers/NAME by name) in its environment's
    interpreter; `round(steps)` -> updates/s."""

    def __init__(self, python: str, script: str, args: List[str], timeout_s: float = 600.0):
        self.command = [python, os.path.join(HERE, "peers", script), *args]  # a path stays
        self.timeout_s = timeout_s
        self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, cwd=REPO)
        self.info = self._reply()
        if not self.info.get("ready"):
            raise RuntimeError(f"peer {' '.join(self.command)} did not start: {self.info}")

    def _reply(self) -> dict:
        while True:
            line = self.process.stdout.readline()
            if not line:
                code = self.process.wait(timeout=self.timeout_s)
                raise RuntimeError(f"peer {' '.join(self.command)} exited with status {code} "
                                   f"(its stderr is above)")
            line = line.strip()
            if line.startswith("{"):  # libraries' own prints pass through
                return json.loads(line)
            print(line, file=sys.stderr)

    def ask(self, command: str) -> dict:
        """One command line, its one JSON reply."""
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._reply()

    def round(self, steps: int) -> float:
        return self.ask(f"run {steps}")["updates_per_s"]

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.close()
                self.process.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()


def peer_python(name: str) -> Optional[str]:
    """The interpreter of runs/peers/NAME if `make bench` built it, else None."""
    python = os.path.join(PEERS_DIR, name, "bin", "python")
    return python if os.access(python, os.X_OK) else None
