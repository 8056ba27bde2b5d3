"""A split run placed on a Ray cluster: one Reverb server, N actors and one learner, each a
Ray actor running its role's command (tfrainbow/distributed/ray_roles.py), joined by the
server's address as Ray reports it. The driver prints every role's lines prefixed by the
role, says each loss and restart in one line, and ends the run cleanly: when the learner has
finished, the actors stop, then the server (which checkpoints), and the learner's results
are returned. Ray places, watches and restarts processes; Reverb stays the data plane."""
import dataclasses
import json
import logging
import os
import socket
import threading
import time
from typing import Dict, List, Optional, Sequence

from tfrainbow.errors import ConfigError, UserError, first_line

RESTART_FOREVER = -1  # Ray's max_restarts: a role comes back however often it dies


class RayMissingError(UserError):
    """The launcher's one dependency beyond the stack is not installed."""


class RoleFailedError(UserError):
    """A role exited with an error (not a crash, which Ray restarts): the run ended."""


@dataclasses.dataclass
class _Role:
    """The driver's view of one role."""
    name: str  # "server", "learner", "actor 3"
    handle: object
    poll: object = None  # the outstanding poll's ObjectRef
    incarnation: Optional[str] = None  # of its Ray actor: a new one after each restart
    node_id: Optional[str] = None
    down_since: Optional[float] = None
    seen_at: Optional[float] = None  # its last answered poll (time.monotonic())
    needs: str = ""  # its Ray resources, for the line that says it cannot be placed
    restarts: int = 0
    said_waiting: bool = False
    rejoin: object = None  # the restart that joins a server that moved, while it runs
    last_line: str = ""  # its last line printed: a failure's reason
    finished: Optional[dict] = None  # the last poll, once the command has exited

    def __str__(self):
        return self.name


def _lost_reason(ray, node_id: Optional[str]) -> str:
    """Why a role stopped answering: its node is gone from the cluster, or only its process."""
    alive = {n["NodeID"]: n["Alive"] for n in ray.nodes()}
    if node_id is not None and not alive.get(node_id, False):
        return f"its node {node_id[:8]} died"
    return "its process died"


class RayLaunch:
    """Places and supervises one split run of `agent` ('rainbow' or 'impala') on the Ray
    cluster at `address` (None: a one-node Ray started here).

    Args:
      root_dir: the run's directory: ROOT_DIR/server (replay checkpoints) and
        ROOT_DIR/learner (checkpoints, summaries, policy). It must be at the same path on
        every node that may host the server or the learner (a shared filesystem), or a
        restart elsewhere starts without them.
      gin_files, gin_bindings: as for every role; a gin file that is not a shipped config
        must also be at its path on every node.
      num_actors: actor processes, `actor_cpus` Ray CPUs each.
      learner_gpus: GPUs for the learner; None: 1 where the cluster has a GPU, else 0.
      port: the server's port on its node.
      server_resources, learner_resources, actor_resources: custom Ray resources each role
        needs (e.g. {"reverb": 1} to pin the server to a node started with
        `ray start --resources='{"reverb": 1}'`).
      stop_timeout_s: how long a role has to checkpoint and exit after SIGTERM.
    """

    def __init__(self, agent: str, root_dir: str, gin_files: Sequence[str] = (),
                 gin_bindings: Sequence[str] = (), address: Optional[str] = None,
                 num_actors: int = 2, actor_cpus: float = 1.0, learner_cpus: float = 1.0,
                 learner_gpus: Optional[float] = None, server_cpus: float = 1.0,
                 port: int = 8000, server_resources: Optional[Dict[str, float]] = None,
                 learner_resources: Optional[Dict[str, float]] = None,
                 actor_resources: Optional[Dict[str, float]] = None,
                 poll_interval_s: float = 0.5, stop_timeout_s: float = 120.0, log=print):
        if num_actors < 1:
            raise ConfigError(f"--num_actors={num_actors}: a run needs at least one actor.")
        self.agent, self.root_dir = agent, os.path.abspath(root_dir)
        self.gin_args = [f"--gin_file={_node_path(f)}" for f in gin_files] + [
            f"--gin_bindings={b}" for b in gin_bindings]
        self.address, self.num_actors, self.port = address, int(num_actors), int(port)
        self.cpus = {"server": server_cpus, "learner": learner_cpus, "actor": actor_cpus}
        self.resources = {"server": server_resources or {}, "learner": learner_resources or {},
                          "actor": actor_resources or {}}
        self.learner_gpus = learner_gpus
        self.poll_interval_s, self.stop_timeout_s = poll_interval_s, stop_timeout_s
        self.waiting_line_s = 30.0
        self.log = log
        self.server_address: Optional[str] = None

    # -- placing ---------------------------------------------------------------------
    def _connect(self):
        try:
            import ray
        except ImportError:
            raise RayMissingError("Ray is not installed: pip install 'tfrainbow[ray]' (it "
                                  "keeps protobuf below 5, which TensorFlow 2.15 needs).") from None
        _check_reachable(self.address)
        try:
            ray.init(address=self.address, log_to_driver=False, namespace="tfrainbow",
                     include_dashboard=False, logging_level=logging.WARNING)
        except ConnectionError as error:
            raise _no_cluster(self.address, first_line(error)[:160]) from None
        return ray

    def _place(self):
        ray = self._ray
        resources = ray.cluster_resources()
        gpus = self.learner_gpus
        if gpus is None:
            gpus = 1 if resources.get("GPU", 0) >= 1 else 0
        nodes = [n for n in ray.nodes() if n["Alive"]]
        self.log(f"[launch] Ray cluster: {len(nodes)} nodes, {resources.get('CPU', 0):g} CPUs, "
                 f"{resources.get('GPU', 0):g} GPUs; placing a Reverb server, "
                 f"{self.num_actors} actors and a learner ({'GPU' if gpus else 'CPU'}).")
        from tfrainbow.distributed.ray_roles import RoleProcess

        remote = ray.remote(RoleProcess)
        common = [f"--agent={self.agent}", *self.gin_args]

        def start(kind, args, name, gpus=0, **kwargs):
            handle = remote.options(
                name=f"{self.run_name}/{name}", num_cpus=self.cpus[kind], num_gpus=gpus,
                resources=self.resources[kind], max_restarts=RESTART_FOREVER,
                max_concurrency=4).remote(kind, common + args, **kwargs)
            needs = {"CPU": self.cpus[kind], **({"GPU": gpus} if gpus else {}),
                     **self.resources[kind]}
            return _Role(name, handle, needs=json.dumps(needs))

        # Roles find the server by its name: a handle among the constructor's arguments would
        # live in the object store, and a restart fails if that copy is lost with a node.
        self.run_name = f"{self.root_dir}@{time.time():.0f}"
        self.server_name = f"{self.run_name}/server"
        self.server = start("server", [f"--root_dir={self.root_dir}/server",
                                       f"--port={self.port}", "--bind_all_interfaces"],
                            "server", port=self.port)
        self.learner = start("learner", [f"--root_dir={self.root_dir}/learner"], "learner",
                             gpus=gpus, server=self.server_name)
        self.actors = [start("actor", [f"--actor_id={i}"], f"actor {i}",
                             server=self.server_name) for i in range(self.num_actors)]
        self.roles: List[_Role] = [self.server, self.learner, *self.actors]

    # -- watching --------------------------------------------------------------------
    def run(self, stop: Optional[threading.Event] = None) -> dict:
        """Runs until the learner finishes (or `stop`, or a role fails); returns the
        learner's results with the restarts Ray made."""
        stop = stop or threading.Event()
        self._ray = self._connect()
        failure = None
        try:
            self._place()
            while not stop.is_set() and self.learner.finished is None and failure is None:
                failure = self._poll_all()
        finally:
            results = self._shut_down()
        if failure is not None:
            raise RoleFailedError(failure)
        return results

    def _poll_all(self) -> Optional[str]:
        ray = self._ray
        for role in self.roles:
            if role.poll is None and role.finished is None:
                role.poll = role.handle.poll.remote()
        pending = [r.poll for r in self.roles if r.poll is not None]
        ready, _ = ray.wait(pending, num_returns=len(pending), timeout=self.poll_interval_s)
        ready = set(ready)
        for role in self.roles:
            if role.poll is None or role.poll not in ready:
                continue
            ref, role.poll = role.poll, None
            try:
                state = ray.get(ref)
            except (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError):
                if role.down_since is None:
                    role.down_since = time.monotonic()
                    self.log(f"[{role}] lost: {_lost_reason(self._ray, role.node_id)}; Ray "
                             "restarts it.")
                continue
            failure = self._took(role, state)
            if failure is not None:
                return failure
        for role in self.roles:
            if (role.down_since is not None and not role.said_waiting
                    and time.monotonic() - role.down_since > self.waiting_line_s):
                self.log(f"[{role}] not back after {self.waiting_line_s:g} s: no live node has "
                         f"{role.needs} free, or it is still starting.")
                role.said_waiting = True
        time.sleep(self.poll_interval_s)
        return None

    def _took(self, role: _Role, state: dict) -> Optional[str]:
        replaced = role.incarnation not in (None, state["incarnation"])
        if replaced and role.down_since is None:  # restarted between two polls
            self.log(f"[{role}] lost: {_lost_reason(self._ray, role.node_id)}; Ray "
                     "restarts it.")
        if role.down_since is not None or replaced:
            # Restarted between two polls (Ray queued the next poll for the new process, so
            # none failed): it went down after its last answer, so say at most that long.
            since, bound = ((role.down_since, "") if role.down_since is not None
                            else (role.seen_at, "at most "))
            role.restarts += 1
            after = f" after {bound}{time.monotonic() - since:.1f} s" if since is not None else ""
            self.log(f"[{role}] restarted by Ray on node {state['node_ip']} "
                     f"({state['node_id'][:8]}){after}.")
            role.down_since, role.said_waiting = None, False
        role.incarnation, role.node_id = state["incarnation"], state["node_id"]
        role.seen_at = time.monotonic()
        self._print(role, state)
        if role is self.server:
            self._follow_server(state)
        elif role.rejoin is not None:
            if self._ray.wait([role.rejoin], timeout=0)[0]:
                role.rejoin = None  # its restart is done: later polls show the new address
        elif (state["reverb_address"] and self.server_address
              and state["reverb_address"] != self.server_address and not state["stopping"]):
            self.log(f"[{role}] restarting to join the server at {self.server_address}.")
            role.rejoin = role.handle.restart.remote(self.stop_timeout_s)
        if state["returncode"] is None or state["stopping"]:
            return None
        role.finished = state
        if state["returncode"] == 0 and role is not self.server:
            if role is not self.learner:
                self.log(f"[{role}] finished (its max_env_steps).")
            return None
        return f"the {role} exited with status {state['returncode']}: {role.last_line}"

    def _follow_server(self, state: dict):
        address = f"{state['node_ip']}:{self.port}"
        if address != self.server_address:
            self.log(f"[launch] the Reverb server is at {address} (node "
                     f"{state['node_id'][:8]}); it listens on every interface of its node "
                     "with no authentication: keep the cluster network private.")
            self.server_address = address

    # -- ending ----------------------------------------------------------------------
    def _shut_down(self) -> dict:
        """The learner first (it checkpoints), then the actors, then the server (it
        checkpoints its tables); the learner's results."""
        roles = getattr(self, "roles", [])
        if self._learner_finished_cleanly():
            self.log("[launch] the learner finished: stopping the actors, then the server.")
        for group in ([r for r in roles if r is self.learner],
                      [r for r in roles if r in self.actors], [self.server] if roles else []):
            self._stop(group)
        results = dict((self.learner.finished or {}).get("results") or {}) if roles else {}
        results["ray_restarts"] = {r.name: r.restarts for r in roles if r.restarts}
        for role in roles:
            self._ray.kill(role.handle, no_restart=True)
        self._ray.shutdown()
        return results

    def _learner_finished_cleanly(self) -> bool:
        learner = getattr(self, "learner", None)
        return bool(learner and learner.finished and learner.finished["returncode"] == 0)

    def _stop(self, group: List[_Role]):
        ray = self._ray
        running = [r for r in group if r.finished is None]
        refs = [r.handle.stop.remote(self.stop_timeout_s) for r in running]
        for role, ref in zip(running, refs):
            try:
                state = ray.get(ref, timeout=self.stop_timeout_s + 30)
            except (ray.exceptions.RayError, TimeoutError) as error:
                self.log(f"[{role}] did not stop cleanly ({type(error).__name__}).")
                continue
            self._print(role, state)
            role.finished = state

    def _print(self, role: _Role, state: dict):
        for line in state["lines"]:
            if line.strip():
                self.log(f"[{role}] {line}")
                role.last_line = line.strip()
        if state["results"] is not None and role is not self.learner:
            self.log(f"[{role}] exited: {json.dumps(state['results'])}")


def _check_reachable(address: Optional[str], timeout_s: float = 10.0):
    """A HOST:PORT that nothing answers on fails here in one line: ray.init would wait for
    its GCS without end."""
    if address is None or address == "auto" or "://" in address or ":" not in address:
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            return
    except (OSError, ValueError) as error:
        raise _no_cluster(address, error) from None


def _no_cluster(address: Optional[str], why) -> UserError:
    return UserError(f"No Ray cluster at {address} ({why}): start one with `ray start --head`, "
                     "or fix --address.")


def _node_path(gin_file: str) -> str:
    """A shipped config keeps its name (every node finds it in its installed package); any
    other file is named by its absolute path, which must exist on every node."""
    from tfrainbow.cli.common import PACKAGE_DIR

    if not os.path.isabs(gin_file) and os.path.exists(os.path.join(PACKAGE_DIR, gin_file)):
        return gin_file
    if not os.path.exists(gin_file):
        raise ConfigError(f"No gin file {gin_file}: name a shipped config (gin/rainbow/...) or "
                          "a file that exists at that path on every node.")
    return os.path.abspath(gin_file)
