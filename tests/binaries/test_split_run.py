"""The split run's faults, with real processes on 127.0.0.1: binaries.reverb_server,
binaries.learner and binaries.actor, killed and restarted as a cluster would do to them."""
import json
import re
import signal
import time

import numpy as np
import pytest
import tensorflow as tf

from tests.binaries.split_run import (SPLIT_BINDINGS, Process, free_port, item_counts,
                                      learner_updates, loopback_confinement_works, published,
                                      stop_all)

CONFINED = loopback_confinement_works()
BIND = [] if CONFINED else ["--bind_all_interfaces"]  # without it the host refuses unshare


class Cluster:
    def __init__(self, tmp_path, bindings=SPLIT_BINDINGS, agent="rainbow", gin_files=()):
        self.tmp, self.port, self.bindings = tmp_path, free_port(), bindings
        self.address = f"localhost:{self.port}"
        self.common = [f"--agent={agent}"] + [f"--gin_file={f}" for f in gin_files]
        self.processes = []

    def start(self, name, binary, *args, bindings=()):
        process = Process(self.tmp / f"{name}.log", binary, *self.common, *args,
                          bindings=list(self.bindings) + list(bindings))
        self.processes.append(process)
        return process

    def server(self, name="server"):
        process = self.start(name, "reverb_server", f"--root_dir={self.tmp}/server",
                             f"--port={self.port}", *BIND)
        process.wait_for(r"Reverb server on port")
        return process

    def learner(self, name="learner", bindings=()):
        return self.start(name, "learner", f"--root_dir={self.tmp}/learner",
                          f"--reverb_address={self.address}", bindings=bindings)

    def actor(self, actor_id, name=None):
        return self.start(name or f"actor{actor_id}", "actor", f"--actor_id={actor_id}",
                          f"--reverb_address={self.address}")

    def close(self):
        # Learner and actors first, servers last, as an operator stops a run: a learner
        # whose server is gone blocks in Reverb's sampler and cannot act on SIGTERM.
        servers = [p for p in self.processes if p.binary == "reverb_server"]
        for process in self.processes:
            if process.popen.poll() is None:
                process.signal(signal.SIGCONT)
        stop_all([p for p in self.processes if p not in servers])
        stop_all(servers)


@pytest.fixture
def cluster(tmp_path):
    made = []

    def make(**kwargs):
        made.append(Cluster(tmp_path, **kwargs))
        return made[-1]

    yield make
    for c in made:
        c.close()


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout} s: {what}")


def test_killed_actor_learner_keeps_training_and_restarted_actor_rejoins(cluster):
    c = cluster()
    c.server()
    learner, actor0, _ = c.learner(), c.actor(0), c.actor(1)
    actor0.wait_for(r"actor 0: [\d,]+ env steps", timeout=180)
    learner.wait_for(r"learner: [\d,]+ updates", timeout=180)
    actor0.kill9()
    at_kill = learner_updates(learner)
    wait_until(lambda: learner_updates(learner) >= at_kill + 100, 90,
               "the learner trains on with actor 1")
    rejoined = c.actor(0, name="actor0-restarted")
    match = rejoined.wait_for(r"actor 0: [\d,]+ env steps.*weights of update ([\d,]+)",
                              timeout=180)
    assert int(match.group(1).replace(",", "")) >= at_kill  # it pulled the newest weights
    assert "Traceback" not in learner.text()


def test_killed_learner_resumes_from_its_last_checkpoint(cluster, tmp_path):
    c = cluster()
    c.server()
    learner, _ = c.learner(), c.actor(0)
    checkpoints = str(tmp_path / "learner" / "checkpoints")

    def number():
        latest = tf.train.latest_checkpoint(checkpoints)
        return int(latest.rsplit("-", 1)[1]) if latest else 0

    wait_until(lambda: number() >= 100, 240, "a learner checkpoint at update >= 100")
    learner.kill9()
    n = number()
    # Restarted with nothing left to do, it restores update n and publishes those weights.
    idle = c.learner("learner-restored", bindings=[f"RemoteLearner.max_updates = {n}"])
    assert idle.wait_exit(180) == 0, idle.text()
    assert f"resuming {tmp_path}/learner at update {n:,}" in idle.text()
    version, weights = published(c.address)
    assert version == n
    from tests.runtime import tiny_run
    from tfrainbow import envs, specs
    from tfrainbow import builders
    from tfrainbow.distributed import actor, learner, server  # noqa: F401

    tiny_run.configure(*SPLIT_BINDINGS)
    builder = builders.builder_for("rainbow")
    agent = builder.make_agent(specs.specs_from_env(envs.make_env()))
    state = builder.make_state()
    tf.train.Checkpoint(agent=agent, **state).restore(
        f"{checkpoints}/ckpt-{n}").expect_partial()
    expected = builder.published_variables(agent, state)
    assert len(weights) == len(expected)
    for got, want in zip(weights, expected):
        np.testing.assert_array_equal(got, want.numpy())
    # Restarted again with more to do, training continues from n.
    more = c.learner("learner-continued", bindings=[f"RemoteLearner.max_updates = {n + 100}"])
    assert more.wait_exit(240) == 0, more.text()
    results = json.loads((tmp_path / "learner" / "results.json").read_text())
    assert results["updates"] == n + 100 and results["updates_this_run"] == 100


def test_restarted_server_restores_its_items_and_actors_reconnect(cluster):
    c = cluster()
    server = c.server()
    learner, actor = c.learner(), c.actor(0)
    learner.wait_for(r"learner: [\d,]+ updates", timeout=180)
    actor.signal(signal.SIGSTOP)  # no inserts while the server stops: an exact count
    time.sleep(2.0)  # what the actor had already sent lands first
    before = item_counts(c.address)
    server.signal(signal.SIGTERM)
    assert server.wait_exit(60) == 0, server.text()
    assert re.search(rf"Checkpoint .*[:,] {before['replay']:,} items in 'replay'", server.text())
    actor.signal(signal.SIGCONT)
    actor.wait_for(r"Lost the Reverb server", timeout=60)
    learner.wait_for(r"learner: Lost the Reverb server", timeout=60)
    updates_before = learner_updates(learner)
    restarted = c.server("server-restarted")
    match = restarted.wait_for(r"Reverb server on port \d+: (.*) \(checkpoints")
    assert f"{before['replay']:,} items in 'replay'" in match.group(1)
    actor.wait_for(r"Reverb server at .* is back", timeout=60)
    learner.wait_for(r"learner: Reverb server at .* is back", timeout=60)
    wait_until(lambda: item_counts(c.address)["replay"] > before["replay"], 90,
               "the reconnected actor inserts again")
    wait_until(lambda: learner_updates(learner) > updates_before + 50, 90,
               "the learner trains again")
    # The server dies for good, then the learner is asked to stop: Reverb retries without
    # end, yet the learner saves its latest update and exits (StopWaker).
    trained = learner_updates(learner)
    restarted.kill9()
    learner.wait_for(r"learner: Lost the Reverb server", timeout=60, count=2)
    learner.signal(signal.SIGTERM)
    assert learner.wait_exit(30) == 0, learner.text()[-3000:]
    saved = max(int(p.name[len("ckpt-"):-len(".index")])
                for p in (c.tmp / "learner" / "checkpoints").glob("ckpt-*.index"))
    assert saved >= trained, (saved, trained)


@pytest.mark.parametrize("binary", ["actor", "learner"])
def test_nothing_listening_fails_within_the_timeout(tmp_path, binary):
    port = free_port()
    process = Process(tmp_path / "log", binary, f"--reverb_address=localhost:{port}",
                      f"--root_dir={tmp_path}/run",
                      bindings=SPLIT_BINDINGS + [f"Remote{binary.title()}.connect_timeout_s = 3"])
    assert process.wait_exit(120) == 1
    text = process.text()
    assert text.count("not reachable yet; retrying with backoff") == 1, text
    errors = [line for line in text.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: No Reverb server answered at localhost:{port} within 3 s: "
                      "start binaries.reverb_server first or fix --reverb_address."], text
    assert "Traceback" not in text


def listeners(port):
    """(family, local address) of the sockets listening on `port` in this network."""
    found = []
    for family in ("tcp", "tcp6"):
        with open(f"/proc/net/{family}") as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.append((family, address))
    return found


@pytest.mark.skipif(not CONFINED, reason="this host refuses unshare(2): no private network")
def test_server_listens_on_localhost_unless_told_otherwise(cluster):
    local = cluster()
    local.server()
    assert listeners(local.port) == [("tcp", "0100007F")]  # 127.0.0.1, nothing else
    assert item_counts(local.address)["replay"] == 0
    everywhere = cluster()
    process = everywhere.start("server-all", "reverb_server", f"--root_dir={everywhere.tmp}/all",
                               f"--port={everywhere.port}", "--bind_all_interfaces")
    process.wait_for(r"Reverb server on port")
    assert ("tcp6", "0" * 32) in listeners(everywhere.port)  # [::]: every interface
    assert "no authentication" in process.text()


def test_impala_split_run_trains(cluster, tmp_path):
    bindings = ["UnrollConfig.batch_size = 4", "UnrollConfig.unroll_length = 10",
                "UnrollConfig.envs_per_actor = 4", "RemoteLearner.max_updates = 200",
                "RemoteLearner.eval_interval = 20", "RemoteLearner.eval_episodes = 2",
                "RemoteLearner.log_interval_s = 1.0", "RemoteActor.log_interval_s = 1.0",
                "ReverbService.checkpoint_interval_s = 3600.0"]
    c = cluster(agent="impala", gin_files=["gin/impala/cartpole.gin"], bindings=bindings)
    c.server()
    learner, actor = c.learner(), c.actor(0)
    assert learner.wait_exit(240) == 0, learner.text()
    results = json.loads((tmp_path / "learner" / "results.json").read_text())
    assert results["updates"] == 200 and results["eval_mean_return"] is not None
    assert re.search(r"learner: [\d,]+ updates.*policy lag", learner.text())
    # Periodic evaluations ran on snapshots while training went on (labelled with the
    # snapshot's update), then the final one at the end.
    labels = [int(u.replace(",", "")) for u in
              re.findall(r"learner: evaluation at update ([\d,]+): mean return", learner.text())]
    assert labels[-1] == 200 and any(20 <= label < 200 for label in labels[:-1]), labels
    actor.wait_for(r"actor 0: [\d,]+ env steps", timeout=60)
