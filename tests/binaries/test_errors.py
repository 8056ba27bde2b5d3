"""Bad input, tried as a user would: one line naming the problem and the fix, exit status 1,
no traceback, and nothing already saved is lost."""
import os
import pathlib
import subprocess
import sys

import pytest

from tests.binaries.side_by_side import side_by_side
from tests.runtime.tiny_run import TINY_BINDINGS

REPO = pathlib.Path(__file__).resolve().parents[2]


def train_command(root_dir, *bindings, args=()):
    return [sys.executable, "-m", "binaries.train_rainbow", f"--root_dir={root_dir}",
            *args] + [f"--gin_bindings={b}" for b in TINY_BINDINGS + list(bindings)]


def train(root_dir, *bindings, args=()):
    return subprocess.run(train_command(root_dir, *bindings, args=args), cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def assert_one_line_error(done, *words):
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    # The error is the last word: nothing (a Reverb shutdown line, say) after it.
    assert done.stderr.strip().splitlines()[-1] == errors[0], done.stderr
    for word in words:
        assert word in errors[0], errors[0]


BAD_CONFIGURATIONS = [
    (["make_env.env_id = 'CartPol-v1'"], ["Unknown environment id 'CartPol-v1'", "CartPole"]),
    (["make_env.env_id = 'Blackjack-v1'"], ["Unsupported observation space Tuple", "Box"]),
    (["make_env.env_id = 'Pendulum-v1'"], ["Discrete action space"]),
    (["RainbowNetwork.num_atom = 3"], ["doesn't have a parameter named 'num_atom'"]),
    (["NoSuchThing.value = 1"], ["NoSuchThing"]),
    (["RainbowNetwork.v_min = 10.0", "RainbowNetwork.v_max = -10.0"], ["v_min < v_max"]),
    (["ReplayConfig.n_step = 0"], ["n_step must be >= 1"]),
    (["RainbowNetwork.num_atoms = 0"], ["num_atoms must be >= 2"]),
    (["ReplayConfig.batch_size = 512"], ["batch_size (512) is larger", "min_size"]),
    (["ReplayConfig.gamma = 1.5"], ["gamma must be in [0, 1]"]),
    (["ReplayConfig.batch_size = 'abc'"], ["ReplayConfig.batch_size must be a number",
                                          "'abc'"]),
    (["RainbowTrainer.max_env_steps = = 3"], ["Bad gin configuration", "Unable to parse"]),
    # Past float32's range: Keras keeps the rate as inf, which every checkpoint would hold.
    (["tf.keras.optimizers.Adam.learning_rate = 1e39"], ["Adam has learning_rate inf",
                                                         "bind a finite"]),
    # Old homes of a knob: one line naming the new binding.
    (["RainbowAgent.n_step = 3"], ["RainbowAgent.n_step is now ReplayConfig.n_step",
                                   "bind ReplayConfig.n_step = 3"]),
    (["RainbowTrainer.num_envs = 2"], ["bind ReplayConfig.envs_per_actor = 2"]),
]


@pytest.fixture(scope="module")
def bad_configuration_runs(tmp_path_factory):
    """train_rainbow with each bad configuration, all started at once (side_by_side)."""
    root = tmp_path_factory.mktemp("bad_configurations")
    runs = side_by_side([train_command(root / str(i) / "run", *bindings)
                         for i, (bindings, _) in enumerate(BAD_CONFIGURATIONS)], REPO)
    return [(run, root / str(i) / "run") for i, run in enumerate(runs)]


@pytest.mark.parametrize("case", range(len(BAD_CONFIGURATIONS)),
                         ids=[" ".join(b) for b, _ in BAD_CONFIGURATIONS])
def test_bad_configuration(bad_configuration_runs, case):
    done, root_dir = bad_configuration_runs[case]
    assert_one_line_error(done, *BAD_CONFIGURATIONS[case][1])
    assert not (root_dir / "checkpoints").exists()


def test_unwritable_root_dir():
    done = train("/etc/hostname/run")  # a path under a file: not writable even for root
    assert_one_line_error(done, "Cannot write to --root_dir /etc/hostname/run", "you can write to")


def test_reverb_address_that_does_not_answer(tmp_path):
    done = train(tmp_path, "RainbowTrainer.reverb_timeout_s = 2",
                 args=["--reverb_address=localhost:1"])
    assert_one_line_error(done, "No Reverb server answered at localhost:1 within 2 s",
                          "--reverb_address")


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A short run with a checkpoint, and a snapshot of its saved files."""
    root = tmp_path_factory.mktemp("run")
    done = train(root, "RainbowTrainer.max_env_steps = 200")
    assert done.returncode == 0, done.stderr
    return root


def snapshot(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "summaries" not in p.parts}


def test_checkpoint_that_does_not_match_the_network(trained_run):
    before = snapshot(trained_run)
    done = train(trained_run, "RainbowNetwork.num_atoms = 11",
                 "RainbowTrainer.max_env_steps = 400")
    assert_one_line_error(done, "does not match the network configured now",
                          f"--gin_file={trained_run}/config.gin")
    assert snapshot(trained_run) == before  # config.gin, checkpoints, replay untouched


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(trained_run):
    before = {k: v for k, v in snapshot(trained_run).items() if k.parts[0] == "checkpoints"}
    # beta = 1e30 overflows the importance weights (N P)^-beta to inf/0: NaN weights and loss.
    # (Not the learning rate: a resumed run restores the optimizer's learning rate variable.)
    done = train(trained_run, "ReplayConfig.importance_exponent = 1e30",
                 "RainbowTrainer.max_env_steps = 2000")
    assert_one_line_error(done, "The loss became NaN or infinite", "last good checkpoint",
                          "ckpt-200", "learning rate")
    after = {k: v for k, v in snapshot(trained_run).items() if k.parts[0] == "checkpoints"}
    assert after == before


@pytest.mark.parametrize("binary, args, words", [
    ("evaluate", ["--policy_dir=/nonexistent/policy", "--env_id=CartPole-v1"],
     ["No SavedModel at /nonexistent/policy"]),
    ("export_policy", ["--root_dir={tmp}", "--gin_file=gin/rainbow/cartpole.gin"],
     ["No checkpoint in", "train first"]),
    ("evaluate", ["--root_dir={tmp}"], ["config.gin", "--gin_file"]),
])
def test_missing_runs_policies_and_configs(tmp_path, binary, args, words):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    done = subprocess.run([sys.executable, "-m", f"binaries.{binary}", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=180)
    assert_one_line_error(done, *words)


IMPALA_BINDINGS = [
    "make_env.env_id = 'CartPole-v1'", "ActorCriticNetwork.encoder = @MLPEncoder()",
    "MLPEncoder.hidden_units = (32,)", "ImpalaAgent.optimizer = @tf.keras.optimizers.Adam()",
    "ImpalaTrainer.num_actors = 1", "UnrollConfig.envs_per_actor = 4",
    "UnrollConfig.unroll_length = 10", "UnrollConfig.batch_size = 8",
    "ImpalaTrainer.eval_interval = 1000000", "ImpalaTrainer.eval_episodes = 2",
    "ImpalaTrainer.checkpoint_interval = 1000000", "ImpalaTrainer.log_interval_s = 1000.0",
]


def train_impala(root_dir, *bindings):
    command = [sys.executable, "-m", "binaries.train_impala", f"--root_dir={root_dir}"] + [
        f"--gin_bindings={b}" for b in IMPALA_BINDINGS + list(bindings)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)


def all_checkpointed_values_finite(root):
    import numpy as np
    import tensorflow as tf

    for index in sorted((root / "checkpoints").glob("ckpt-*.index")):
        reader = tf.train.load_checkpoint(str(index)[:-len(".index")])
        for name, dtype in reader.get_variable_to_dtype_map().items():
            if dtype.is_floating and not np.isfinite(reader.get_tensor(name)).all():
                return False
    return True


def test_impala_divergence_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    done = train_impala(tmp_path, "ImpalaTrainer.max_env_steps = 2000")
    assert done.returncode == 0, done.stderr
    before = {k: v for k, v in snapshot(tmp_path).items() if k.parts[0] == "checkpoints"}
    # An entropy cost past float32's range makes the loss infinite at the first update.
    done = train_impala(tmp_path, "ImpalaAgent.entropy_cost = 1e39",
                        "ImpalaTrainer.max_env_steps = 20000")
    assert_one_line_error(done, "The loss became NaN or infinite", "last good checkpoint",
                          "ckpt-", "learning rate")
    after = {k: v for k, v in snapshot(tmp_path).items() if k.parts[0] == "checkpoints"}
    assert after == before
    evaluated = subprocess.run([sys.executable, "-m", "binaries.evaluate",
                                f"--root_dir={tmp_path}", "--num_episodes=3"], cwd=REPO,
                               capture_output=True, text=True, timeout=300)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "mean return" in evaluated.stdout and "nan" not in evaluated.stdout


# RMSprop's first step is lr * g / sqrt(0.1 g^2) = 3.16 lr for any |g| above about 1e-3:
# at a learning rate of 3e38 (finite in float32) it leaves infinite weights.
NON_FINITE_UPDATE = ("tf.keras.optimizers.RMSprop.learning_rate = 3e38",)


@pytest.mark.parametrize("trainer", ["rainbow", "impala"])
def test_weights_made_non_finite_by_an_update_are_never_checkpointed(tmp_path, trainer):
    # The first update's loss is finite, the weights it leaves are not. Neither a periodic
    # nor the final checkpoint may keep them (the checkpoints before it, finite, may stay).
    if trainer == "rainbow":
        done = train(tmp_path, "RainbowAgent.optimizer = @tf.keras.optimizers.RMSprop()",
                     *NON_FINITE_UPDATE, "RainbowTrainer.checkpoint_interval = 100",
                     "RainbowTrainer.max_env_steps = 2000")
    else:
        done = train_impala(tmp_path, "ImpalaAgent.optimizer = @tf.keras.optimizers.RMSprop()",
                            *NON_FINITE_UPDATE, "ImpalaTrainer.checkpoint_interval = 100",
                            "ImpalaTrainer.max_env_steps = 20000")
    assert_one_line_error(done, "NaN or infinite", "last good checkpoint")
    assert all_checkpointed_values_finite(tmp_path)


@pytest.mark.parametrize("binary, extra", [
    ("train_rainbow", []), ("actor", ["--agent=rainbow"]),
    ("learner", ["--agent=rainbow", "--root_dir={tmp}/learner"])])
def test_a_malformed_reverb_address_is_one_line_not_a_retry_loop(tmp_path, binary, extra):
    args = [a.format(tmp=tmp_path) for a in extra] + ["--reverb_address=localhost:notaport"]
    if binary == "train_rainbow":
        args.append(f"--root_dir={tmp_path}/run")
    command = [sys.executable, "-m", f"binaries.{binary}", *args] + [
        f"--gin_bindings={b}" for b in TINY_BINDINGS]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert_one_line_error(done, "Bad Reverb address 'localhost:notaport'", "HOST:PORT")


HOLD = ("import sys, time\nfrom tfrainbow.system.run_lock import RunDirLock\n"
        "RunDirLock(sys.argv[1]); print('held', flush=True); time.sleep(300)\n")


def test_a_held_run_directory_is_refused_and_a_killed_holders_is_taken_over(tmp_path):
    import os
    import signal

    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        done = train(tmp_path, "RainbowTrainer.max_env_steps = 200")
        assert_one_line_error(done, f"{tmp_path} is in use by process {holder.pid}",
                              "another --root_dir")
        assert not (tmp_path / "config.gin").exists()  # nothing of the holder's touched
        os.kill(holder.pid, signal.SIGKILL)  # no clean-up runs: the kernel drops the lock
        holder.wait(30)
        done = train(tmp_path, "RainbowTrainer.max_env_steps = 200")
        assert done.returncode == 0, done.stderr
    finally:
        holder.kill()


def _children(pid):
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found.update(int(p) for p in f.read().split())
    return found


def test_kill_9_of_train_impala_leaves_no_actor_process(tmp_path):
    import signal
    import time

    command = [sys.executable, "-m", "binaries.train_impala", f"--root_dir={tmp_path}"] + [
        f"--gin_bindings={b}" for b in IMPALA_BINDINGS + [
            "ImpalaTrainer.num_actors = 2", "ImpalaTrainer.max_env_steps = 100000000"]]
    trainer = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        deadline, actors = time.monotonic() + 120, set()
        while time.monotonic() < deadline and len(actors) < 2:
            actors = {p for p in _children(trainer.pid) if b"spawn_main" in open(
                f"/proc/{p}/cmdline", "rb").read()}
            time.sleep(0.5)
        assert len(actors) == 2, "the actor processes did not start"
        time.sleep(5)  # acting
        os.kill(trainer.pid, signal.SIGKILL)
        trainer.wait(30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") for p in actors):
            time.sleep(0.5)
        alive = [p for p in actors if os.path.exists(f"/proc/{p}")
                 and open(f"/proc/{p}/stat").read().split()[2] != "Z"]
        assert not alive, f"actor processes {alive} outlived their trainer"
    finally:
        trainer.kill()


@pytest.mark.parametrize("source", ["--policy_dir={run}/policy", "--root_dir={run}"])
def test_a_policy_evaluated_on_an_env_it_was_not_trained_on(trained_run, source):
    done = subprocess.run([sys.executable, "-m", "binaries.evaluate",
                           source.format(run=trained_run), "--env_id=Acrobot-v1"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    words = (["takes observations of shape (4,) float32", "Acrobot-v1 gives (6,)"]
             if "policy_dir" in source else ["does not match", "config.gin"])
    assert_one_line_error(done, *words)


def test_a_busy_port_is_named_as_such(tmp_path):
    """reverb_server --bind_all_interfaces on a port another program listens on: one line
    about the port (not about the replay checkpoint), exit 1."""
    import socket

    with socket.socket(socket.AF_INET6 if socket.has_ipv6 else socket.AF_INET) as busy:
        busy.bind(("::" if socket.has_ipv6 else "0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        command = [sys.executable, "-m", "binaries.reverb_server", "--agent=rainbow",
                   "--bind_all_interfaces", f"--port={port}", f"--root_dir={tmp_path}"] + [
            f"--gin_bindings={b}" for b in TINY_BINDINGS]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert_one_line_error(done, f"Port {port} is in use", "--port")
    assert not os.path.exists(tmp_path / "replay") or not os.listdir(tmp_path / "replay")


def test_a_learning_rate_annealed_to_zero_before_the_budget_is_one_line(tmp_path):
    # 20M frames under minatar.gin's schedule of 10M: half the run would train at rate 0.
    command = [sys.executable, "-m", "binaries.train_impala",
               "--gin_file=gin/impala/minatar.gin", f"--root_dir={tmp_path}/run",
               "--gin_bindings=ImpalaTrainer.max_env_steps = 20000000"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert_one_line_error(done, "annealed to 0 at update 31,250, before the run's 62,500 updates",
                          "ImpalaTrainer.max_env_steps = 20000000 / (16 unrolls x 20 steps",
                          "linear_decay_to_zero.decay_updates = 62500")
    assert not (tmp_path / "run" / "config.gin").exists()  # refused before writing anything
