"""One role of a split run (server, learner or an actor) as a Ray actor: the role's own
command (tfrainbow.cli.reverb_server / learner / actor) runs as this actor's child process,
so it keeps its signals, its checkpoint on SIGTERM and its one-line errors, and Ray only
places, watches and restarts it (tfrainbow/distributed/ray_launch.py drives these).

The child dies with this process (PR_SET_PDEATHSIG): when Ray loses the node, the role goes
with it instead of running on unwatched. When the child dies of a signal (kill -9, the OOM
killer), this process exits too, and Ray restarts the actor, which starts the role again: the
learner resumes from its checkpoint and the server from its replay checkpoint. A role that
exits with an error (status > 0: a bad configuration, say) is not restarted: the driver
reports it and ends the run."""
import collections
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
from typing import List, Optional

PR_SET_PDEATHSIG = 1
OUTPUT_KEPT = 500  # lines: the final report's JSON is a few dozen

MODULES = {"server": "tfrainbow.cli.reverb_server", "learner": "tfrainbow.cli.learner",
           "actor": "tfrainbow.cli.actor"}


def _die_with_parent():
    """In the child between fork and exec: SIGKILL when the parent dies (Linux)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def trailing_json(lines: List[str]) -> Optional[dict]:
    """The JSON object a command prints last (tfrainbow.cli.common.report), else None."""
    for start in range(len(lines) - 1, -1, -1):
        if lines[start] == "{":
            try:
                return json.loads("\n".join(lines[start:]))
            except ValueError:
                return None
    return None


class RoleProcess:
    """Runs `role`'s command with `args` as a child process (Ray wraps this class with
    ray.remote; its methods are called from the driver while the child runs).

    Args:
      role: 'server', 'learner' or 'actor'.
      args: the command's flags.
      server: the Ray name of the server's RoleProcess, for the learner and actors: each
        start asks it for the server's address (Ray's address of the server's node and its
        port), so a role restarted after the server moved to another node joins it there.
      port: the server's port (the server role only).
    """

    def __init__(self, role: str, args: List[str], server: Optional[str] = None,
                 port: Optional[int] = None):
        import ray

        self.role, self.args, self.server, self.port = role, list(args), server, port
        context = ray.get_runtime_context()
        self.node_id = context.get_node_id()
        self.node_ip = ray.util.get_node_ip_address()
        self.incarnation = os.urandom(8).hex()  # a new one each time Ray (re)creates this
        self.lines = collections.deque()
        self.output = collections.deque(maxlen=OUTPUT_KEPT)  # for the final JSON report
        self.returncode, self.stopping, self.reverb_address = None, False, None
        self._start()

    def _start(self):
        import ray

        args = list(self.args)
        if self.server is not None:
            server = ray.get_actor(self.server)
            self.reverb_address = ray.get(server.address.remote())
            args.append(f"--reverb_address={self.reverb_address}")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.returncode, self.stopping = None, False
        self.output.clear()
        self.child = subprocess.Popen([sys.executable, "-m", MODULES[self.role], *args],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, text=True, env=env,
                                      preexec_fn=_die_with_parent)
        self._reader = threading.Thread(target=self._forward, args=(self.child,), daemon=True)
        self._reader.start()

    def _forward(self, child):
        for line in child.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            self.output.append(line)
        returncode = child.wait()
        if returncode < 0 and not self.stopping:
            # Killed by a signal: end this process so that Ray restarts the actor (and so
            # the role) under its restart policy.
            os._exit(1)
        self.returncode = returncode

    def address(self) -> str:
        """host:port of the server (the server role)."""
        return f"{self.node_ip}:{self.port}"

    def poll(self) -> dict:
        """The lines printed since the last poll, and where and how the child runs."""
        lines = [self.lines.popleft() for _ in range(len(self.lines))]
        done = self.returncode is not None
        results = trailing_json(list(self.output)) if done else None
        if "{" in lines:  # the final report: held until the command exits, then returned
            start = len(lines) - 1 - lines[::-1].index("{")  # as `results`, not as lines
            if not done:
                self.lines.extendleft(reversed(lines[start:]))
            if not done or results is not None:
                lines = lines[:start]
        return {"lines": lines, "returncode": self.returncode, "incarnation": self.incarnation,
                "node_id": self.node_id, "node_ip": self.node_ip,
                "reverb_address": self.reverb_address, "stopping": self.stopping,
                "results": results}

    def stop(self, timeout_s: float = 120.0) -> dict:
        """SIGTERM to the child (it checkpoints and exits), SIGKILL after `timeout_s`;
        returns the last poll."""
        self.stopping = True
        if self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)
            try:
                self.child.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait(30)
        self._reader.join(5)  # it takes the last lines and the status
        return self.poll()

    def restart(self, timeout_s: float = 120.0) -> dict:
        """Stops the child and starts it again (it asks the server for its address anew)."""
        last = self.stop(timeout_s)
        self._start()
        return last
