"""Helpers for tests of the split run: real binaries as processes on 127.0.0.1, with their
output in log files, and waits that are bounded in time."""
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time

import reverb

from tests.runtime.tiny_run import TINY_BINDINGS

REPO = pathlib.Path(__file__).resolve().parents[2]
# As a user runs them: the binaries quiet TensorFlow themselves (conftest sets a level).
ENV = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
ENV["PYTHONUNBUFFERED"] = "1"

SPLIT_BINDINGS = TINY_BINDINGS + [
    "RemoteLearner.log_interval_s = 1.0", "RemoteLearner.checkpoint_interval = 50",
    "ReplayConfig.publish_period = 20", "RemoteLearner.eval_episodes = 0",
    "RemoteActor.log_interval_s = 1.0", "ReplayConfig.pull_period = 20",
    "ReverbService.checkpoint_interval_s = 3600.0",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loopback_confinement_works() -> bool:
    """Whether this host lets the server hide in a private network namespace."""
    probe = "from tfrainbow.system import loopback; loopback.enter_private_network()"
    return subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          timeout=60).returncode == 0


class Process:
    """A binary running in the background, its stdout and stderr in `log`."""

    def __init__(self, log: pathlib.Path, binary: str, *args, bindings=SPLIT_BINDINGS):
        self.log, self.binary = log, binary
        self._file = open(log, "ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", f"binaries.{binary}", *args]
            + [f"--gin_bindings={b}" for b in bindings],
            cwd=REPO, env=ENV, stdout=self._file, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float = 120.0, count: int = 1) -> re.Match:
        """The `count`-th match of `pattern` in the log, within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            matches = list(re.finditer(pattern, self.text()))
            if len(matches) >= count:
                return matches[count - 1]
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.binary} exited ({self.popen.returncode}) before "
                                     f"{pattern!r}:\n{self.text()[-3000:]}")
            time.sleep(0.5)
        raise AssertionError(f"no {pattern!r} from {self.binary} within {timeout} s:\n"
                             f"{self.text()[-3000:]}")

    def wait_exit(self, timeout: float = 120.0) -> int:
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.binary} still running after {timeout} s:\n"
                                 f"{self.text()[-3000:]}") from None

    def signal(self, signum):
        self.popen.send_signal(signum)

    def kill9(self):
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(30)

    def stop(self):
        stop_all([self])


def stop_all(processes):
    """SIGTERM to every one still running at once, then each waited for (SIGKILL after 30 s):
    they shut down side by side."""
    running = [p for p in processes if p.popen.poll() is None]
    for process in running:
        process.popen.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    for process in running:
        try:
            process.popen.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait(10)
    for process in processes:
        process._file.close()


def learner_updates(process: Process) -> int:
    """The update counter of the learner's last progress line."""
    lines = re.findall(r"learner: ([\d,]+) updates", process.text())
    return int(lines[-1].replace(",", "")) if lines else 0


def item_counts(address: str):
    info = reverb.Client(address).server_info(timeout=10)
    return {name: table.current_size for name, table in info.items()}


def published(address: str):
    """(version, weights) now in the server's variable table."""
    sample = next(iter(reverb.Client(address).sample(
        "variables", num_samples=1, emit_timesteps=False, unpack_as_table_signature=True)))
    return int(sample.data["version"]), [w.numpy() if hasattr(w, "numpy") else w
                                        for w in sample.data["weights"]]
