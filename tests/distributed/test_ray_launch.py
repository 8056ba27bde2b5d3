"""binaries.launch_ray on a real local Ray cluster (ray.cluster_utils.Cluster: several raylets,
each a node with its own resources, all on this machine): runs that finish and learn, and
nodes removed under the actors and under the learner."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]' "
                          "(make install does)")
from ray.cluster_utils import Cluster  # noqa: E402

from tests.binaries.split_run import ENV, REPO, SPLIT_BINDINGS, free_port  # noqa: E402

# Each role needs a node that offers its custom resource, so the test knows where each runs.
ROLES = ['--server_resources={"server": 1}', '--learner_resources={"learner": 1}',
         '--actor_resources={"actors": 1}']
LEARNER_LINE = r"\[learner\] learner: ([\d,]+) updates"
# A restart seen through a failed poll says how long the role was down; one that happened
# between two polls (the next poll queued for the new process) says at most how long.
AFTER = r"(?:at most )?[\d.]+ s"
LEARNS = SPLIT_BINDINGS + [  # the one-process learning test's sizes (tests/runtime)
    "MLPEncoder.hidden_units = (64,)", "RainbowNetwork.hidden_units = (64,)",
    "ReplayConfig.min_size = 500", "ReplayConfig.batch_size = 32",
    "RemoteLearner.checkpoint_interval = 200", "RemoteLearner.eval_episodes = 10",
]


@pytest.fixture
def cluster(monkeypatch):
    # The nodes' processes inherit this environment, and the roles theirs: as a user's.
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    # The head offers none of the roles' resources: each test adds the nodes it needs.
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1,
                                                            "include_dashboard": False})
    yield cluster
    cluster.shutdown()


class Launch:
    """binaries.launch_ray as a user starts it, its output in a log file."""

    def __init__(self, tmp_path, address, bindings, agent="rainbow", gin_files=(), actors=2):
        self.log, self.port = tmp_path / "launch.log", free_port()
        self._file = open(self.log, "ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "binaries.launch_ray", f"--agent={agent}",
             f"--address={address}", f"--root_dir={tmp_path}/run", f"--port={self.port}",
             f"--num_actors={actors}", *ROLES, *[f"--gin_file={f}" for f in gin_files],
             *[f"--gin_bindings={b}" for b in bindings]],
            cwd=REPO, env=ENV, stdout=self._file, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern, timeout=180.0, after=0) -> re.Match:
        """The first match of `pattern` at or after offset `after` of the log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.compile(pattern).search(self.text(), after)
            if match:
                return match
            if self.popen.poll() is not None:
                raise AssertionError(f"the launcher exited ({self.popen.returncode}) before "
                                     f"{pattern!r}:\n{self.text()[-4000:]}")
            time.sleep(0.5)
        raise AssertionError(f"no {pattern!r} within {timeout} s:\n{self.text()[-4000:]}")

    def learner_beyond(self, count: int, after: int, timeout=120.0) -> re.Match:
        """The first learner progress line past offset `after` with more than `count`
        updates."""
        match = self.wait_for(LEARNER_LINE, timeout, after)
        while updates(match) <= count:
            match = self.wait_for(LEARNER_LINE, timeout, match.end())
        return match

    def resumes_and_trains(self, after: int, clock: "Clock") -> re.Match:
        """The learner's resume line past `after`, once it has trained past that update."""
        resumed = self.wait_for(r"\[learner\] learner: resuming .* at update ([\d,]+)", 180,
                                after)
        clock.mark("the learner resumed from its checkpoint")
        self.learner_beyond(updates(resumed), resumed.end())
        clock.mark("training")
        return resumed

    def results(self, timeout=300.0) -> dict:
        try:
            assert self.popen.wait(timeout) == 0, self.text()[-4000:]
        except subprocess.TimeoutExpired:
            self.popen.kill()
            raise AssertionError(f"still running after {timeout} s:\n{self.text()[-4000:]}")
        text = self.text()
        return json.loads(text[text.rindex("\n{") + 1:])

    def close(self):
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(30)
        self._file.close()


class Clock:
    """Seconds from a fault to what the test saw next (to 0.5 s, the log's poll), printed
    for `pytest -s` (docs/distributed.md quotes them)."""

    def __init__(self, fault: str):
        self.fault, self.start, self.marks = fault, time.monotonic(), []

    def mark(self, event: str):
        self.marks.append(f"{event} +{time.monotonic() - self.start:.1f} s")

    def report(self):
        print(f"\nrecovery from {self.fault}: " + ", ".join(self.marks))


def updates(match: re.Match) -> int:
    return int(match.group(1).replace(",", ""))


def test_rainbow_survives_losing_the_actors_node_then_the_learners_and_learns(cluster,
                                                                              tmp_path):
    cluster.add_node(num_cpus=1, resources={"server": 1})
    learner_node = cluster.add_node(num_cpus=2, resources={"learner": 1})
    actors_node = cluster.add_node(num_cpus=2, resources={"actors": 2})
    cluster.wait_for_nodes()
    launch = Launch(tmp_path, cluster.address, LEARNS + ["RemoteLearner.max_updates = 5000"])
    try:
        launch.wait_for(r"\[learner\] learner: [1-9][\d,]* updates", timeout=240)
        # A spare node where actors and learner can go once theirs are gone.
        cluster.add_node(num_cpus=3, resources={"actors": 2, "learner": 1})
        cluster.wait_for_nodes()
        cluster.remove_node(actors_node)
        clock = Clock("the actors' node removed (Rainbow)")
        lost = launch.wait_for(r"\[actor 0\] lost: its node \w+ died; Ray restarts it", 60).start()
        clock.mark("lost")
        back = launch.wait_for(r"\[actor 1\] restarted by Ray on node .* after " + AFTER,
                               120, lost)
        clock.mark("restarted")
        at_back = updates(list(re.finditer(LEARNER_LINE, launch.text()[:back.end()]))[-1])
        # The actors act again, and the learner trains on what they write.
        launch.wait_for(r"\[actor 1\] actor 1: [\d,]+ env steps", 120, back.end())
        clock.mark("acting")
        launch.learner_beyond(at_back + 100, back.end())
        clock.mark("the learner 100 updates further")
        clock.report()

        cluster.remove_node(learner_node)
        clock = Clock("the learner's node removed (Rainbow)")
        lost = launch.wait_for(r"\[learner\] lost: its node \w+ died; Ray restarts it", 60).start()
        clock.mark("lost")
        launch.wait_for(r"\[learner\] restarted by Ray on node .* after " + AFTER, 120, lost)
        clock.mark("restarted")
        resumed = launch.resumes_and_trains(lost, clock)
        clock.report()
        assert updates(resumed) >= 200  # its checkpoint survived the node (one filesystem)
        results = launch.results(timeout=420)
    finally:
        launch.close()
    text = launch.text()
    assert results["updates"] == 5000, results
    assert results["updates"] - results["updates_this_run"] == updates(resumed)
    assert results["ray_restarts"] == {"actor 0": 1, "actor 1": 1, "learner": 1}, results
    # Random play scores about 22; the untrained greedy policy about 9.
    assert results["eval_mean_return"] >= 90, results
    assert "[launch] the learner finished: stopping the actors, then the server." in text
    assert re.search(r"\[server\] Checkpoint .*items in 'replay'", text.split("finished")[-1])
    assert "Traceback" not in text


def role_pid(*parts: str) -> int:
    """The pid of the one role process whose command line has all of `parts`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if all(any(part in arg for arg in command) for part in parts):
            found.append(int(pid))
    assert len(found) == 1, (parts, found)
    return found[0]


def test_impala_survives_a_killed_actor_and_its_servers_node_and_learns(cluster, tmp_path):
    # Every 127.x address is this machine's loopback: a node on 127.0.0.2 and one on
    # 127.0.0.3 give the server a new address when it moves.
    server_node = cluster.add_node(num_cpus=1, resources={"server": 1},
                                   node_ip_address="127.0.0.2")
    cluster.add_node(num_cpus=2, resources={"learner": 1})
    cluster.add_node(num_cpus=4, resources={"actors": 2})
    cluster.wait_for_nodes()
    # 400 updates of 32 x 20 steps: the 256,000 env steps the one-process test learns in
    # (half the batch learned, then collapsed in one run of three).
    bindings = ["ImpalaAgent.greedy_evaluation = True", "RemoteLearner.max_updates = 400", "RemoteLearner.checkpoint_interval = 50",
                "RemoteLearner.eval_episodes = 10", "RemoteLearner.log_interval_s = 1.0",
                "RemoteActor.log_interval_s = 1.0", "ReverbService.checkpoint_interval_s = 2.0"]
    launch = Launch(tmp_path, cluster.address, bindings, agent="impala",
                    gin_files=["gin/impala/cartpole.gin"])
    port = launch.port
    try:
        launch.wait_for(r"\[learner\] learner: [1-9][\d,]* updates", timeout=240)
        os.kill(role_pid("tfrainbow.cli.actor", "--actor_id=0", f":{port}"), signal.SIGKILL)
        clock = Clock("kill -9 of an actor's process (IMPALA)")
        lost = launch.wait_for(r"\[actor 0\] lost: its process died; Ray restarts it").start()
        clock.mark("lost")
        back = launch.wait_for(r"\[actor 0\] restarted by Ray on node", 120, lost).end()
        clock.mark("restarted")
        launch.wait_for(r"\[actor 0\] actor 0: [\d,]+ env steps", 120, back)
        clock.mark("acting")
        clock.report()

        checkpoint = launch.wait_for(r"\[server\] Checkpoint .* 1 items in 'variables'", 60,
                                     back).end()
        cluster.add_node(num_cpus=1, resources={"server": 1}, node_ip_address="127.0.0.3")
        cluster.wait_for_nodes()
        cluster.remove_node(server_node)
        clock = Clock("the server's node removed (IMPALA)")
        lost = launch.wait_for(r"\[server\] lost: its node \w+ died; Ray restarts it", 60,
                               checkpoint).start()
        clock.mark("lost")
        launch.wait_for(r"\[server\] restarted by Ray on node 127\.0\.0\.3", 120, lost)
        launch.wait_for(rf"\[launch\] the Reverb server is at 127\.0\.0\.3:{port}", 60, lost)
        launch.wait_for(r"\[server\] Reverb server on port \d+: .*1 items in 'variables'", 120,
                        lost)  # restored from its replay checkpoint (one filesystem)
        clock.mark("serving its restored checkpoint")
        for role in ("learner", "actor 0", "actor 1"):
            launch.wait_for(rf"\[{role}\] restarting to join the server at 127\.0\.0\.3", 60,
                            lost)
        resumed = launch.resumes_and_trains(lost, clock)
        clock.report()
        results = launch.results(timeout=420)
    finally:
        launch.close()
    assert results["updates"] == 400, results
    assert results["updates"] - results["updates_this_run"] == updates(resumed)
    assert results["ray_restarts"] == {"actor 0": 1, "server": 1}, results
    assert results["eval_mean_return"] >= 100, results  # random play: about 22
    assert "Traceback" not in launch.text()


def test_a_role_that_exits_with_an_error_ends_the_run_in_one_line(cluster, tmp_path):
    cluster.add_node(num_cpus=5, resources={"server": 1, "learner": 1, "actors": 2})
    cluster.wait_for_nodes()
    launch = Launch(tmp_path, cluster.address, SPLIT_BINDINGS + ["RemoteLearner.max_updatez = 5"],
                    actors=1)
    try:
        assert launch.popen.wait(180) == 1, launch.text()[-3000:]
    finally:
        launch.close()
    last = launch.text().strip().splitlines()[-1]
    # Not restarted (it would fail again): the first role to report it ends the run.
    assert re.fullmatch(r"error: the (server|learner|actor 0) exited with status 1: error: Bad "
                        r"gin configuration: .*max_updatez.*", last), last
    assert "restarted by Ray" not in launch.text() and "Traceback" not in launch.text()
