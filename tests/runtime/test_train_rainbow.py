"""The single-process Rainbow run with a real embedded Reverb server: resume, rate limits,
SavedModel export, learning on CartPole, and stopping on a target return."""
import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
import tensorflow as tf

from tests.runtime import tiny_run
from tfrainbow import envs
from tfrainbow.policies.saver import load_policy
from tfrainbow.runtime.episode_log import read_episodes
from tfrainbow.runtime.evaluator import evaluate
from tfrainbow.runtime.run_evaluation import EVAL_SEED_OFFSET
from tfrainbow.runtime.train_rainbow import RainbowTrainer, training_rates


def weights_of(agent):
    return [v.numpy().copy() for v in agent.network.variables]


def test_a_restarted_run_keeps_its_steps_weights_and_replay(tmp_path):
    tiny_run.configure()
    first = RainbowTrainer(str(tmp_path), max_env_steps=400)
    results = first.run()
    saved_weights, saved_updates = weights_of(first.agent), int(first.agent.train_step)
    assert results["env_steps"] >= 400 and results["updates"] > 0
    assert results["replay_size"] >= 390  # one item per step, bar the open windows
    assert results["training_updates_per_s"] > 0 and results["training_env_steps_per_s"] > 0

    second = RainbowTrainer(str(tmp_path), max_env_steps=800)
    assert second.actor.env_steps == results["env_steps"]
    assert int(second.agent.train_step) == saved_updates == results["updates"]
    for restored, saved in zip(weights_of(second.agent), saved_weights):
        np.testing.assert_array_equal(restored, saved)
    assert second.replay_size() == results["replay_size"]  # restored from root_dir/replay
    # Its first progress line averages the run's last logged episodes, not an empty list.
    logged = [ret for _, ret, _ in read_episodes(str(tmp_path))]
    assert len(logged) == results["episodes"] > 0
    assert list(second.actor.episode_returns) == logged[-100:]
    resumed = second.run()
    assert resumed["env_steps"] >= 800 and resumed["updates"] > saved_updates


@pytest.mark.parametrize("first, last, expected", [
    ((10.0, 4, 100), (12.0, 24, 120), (10.0, 10.0)),  # 20 updates, 20 env steps in 2 s
    ((10.0, 4, 100), (10.0, 4, 100), (None, None)),  # one update: no interval yet
    (None, None, (None, None)),  # no update at all
])
def test_training_rates_run_from_the_first_update_to_the_last(first, last, expected):
    rates = training_rates(first, last)
    assert (rates["training_updates_per_s"], rates["training_env_steps_per_s"]) == expected


@pytest.mark.parametrize("updates_per_transition", [1 / 16, 8.0])  # 1 and 128 samples/insert
def test_strict_rate_limiter_cannot_deadlock(tmp_path, updates_per_transition):
    spi = 16 * updates_per_transition
    tiny_run.configure(f"ReplayConfig.updates_per_transition = {updates_per_transition}",
                       f"ReplayConfig.error_buffer = {max(1.0, spi)}")  # the least allowed
    stop = threading.Event()
    trainer = RainbowTrainer(str(tmp_path), max_env_steps=300, stop_event=stop)
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(trainer.run()), daemon=True)
    thread.start()
    thread.join(timeout=180)
    if thread.is_alive():
        stop.set()
        pytest.fail("the run did not finish within 180 s: a deadlock")
    assert outcome["env_steps"] >= 300
    expected_updates = (outcome["env_steps"] - 64) * updates_per_transition
    assert outcome["updates"] >= 0.5 * expected_updates  # the ratio was honoured, roughly
    assert trainer.learner.step_trace_count == 1


def test_saved_model_matches_the_greedy_policy_in_a_fresh_process(tmp_path):
    tiny_run.configure()
    trainer = RainbowTrainer(str(tmp_path / "run"), max_env_steps=200)
    results = trainer.run()
    observations = np.random.default_rng(0).normal(size=(100, 4)).astype(np.float32)
    np.save(tmp_path / "obs.npy", observations)
    expected = trainer.agent.policy.action(observations).numpy()
    code = (
        "import sys, numpy as np, tensorflow as tf\n"
        f"m = tf.saved_model.load({results['policy_dir']!r})\n"
        f"obs = np.load({str(tmp_path / 'obs.npy')!r})\n"
        "a = m.signatures['action'](observation=tf.constant(obs))['action'].numpy()\n"
        f"np.save({str(tmp_path / 'actions.npy')!r}, a)\n"
        "assert 'tfrainbow' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    np.testing.assert_array_equal(np.load(tmp_path / "actions.npy"), expected)
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    shown = subprocess.run([cli, "show", "--dir", results["policy_dir"], "--tag_set", "serve",
                            "--signature_def", "action"], capture_output=True, text=True,
                           timeout=120, check=True).stdout
    assert "observation" in shown and "outputs['action']" in shown


def test_cartpole_learns_well_above_random(tmp_path):
    # Random play scores about 22; the untrained greedy policy about 9.
    tiny_run.configure("MLPEncoder.hidden_units = (64,)", "RainbowNetwork.hidden_units = (64,)",
                       "ReplayConfig.min_size = 500", "ReplayConfig.batch_size = 32")
    results = RainbowTrainer(str(tmp_path), max_env_steps=6000, eval_episodes=10).run()
    assert results["eval_mean_return"] >= 90, results
    with open(tmp_path / "results.json") as f:
        assert json.load(f)["eval_mean_return"] == results["eval_mean_return"]
    assert tf.io.gfile.glob(str(tmp_path / "summaries" / "events.out.tfevents.*"))


def test_a_run_stopped_on_its_target_exports_the_snapshot_it_evaluated(tmp_path):
    # Evaluations run on a snapshot of the weights in a background thread while training
    # goes on: the export is that snapshot, so the same greedy episodes (same seeds) give
    # the return the run reported, though training went on after the snapshot was taken.
    tiny_run.configure("MLPEncoder.hidden_units = (64,)", "RainbowNetwork.hidden_units = (64,)",
                       "ReplayConfig.min_size = 500", "ReplayConfig.batch_size = 32",
                       "RainbowTrainer.eval_interval = 1000",
                       "RainbowTrainer.eval_episodes = 10")
    trainer = RainbowTrainer(str(tmp_path), max_env_steps=8000, target_return=60.0)
    results = trainer.run()
    assert results["target_reached"], results
    assert results["eval_mean_return"] >= 60.0
    _, action_fn = load_policy(results["policy_dir"])
    again = evaluate(action_fn, envs.make_env, 10, seed=EVAL_SEED_OFFSET)
    assert again.mean == results["eval_mean_return"], (again, results)


def test_a_target_counts_only_once_fresh_episodes_confirm_it(tmp_path):
    # An evaluation at the target is confirmed on 30 fresh episodes of the same snapshot:
    # the run stops only if they hold it too, and reports both figures, which the export
    # reproduces on the same seeds.
    from tfrainbow.runtime.run_evaluation import CONFIRM_SEED_STRIDE

    tiny_run.configure("MLPEncoder.hidden_units = (64,)", "RainbowNetwork.hidden_units = (64,)",
                       "ReplayConfig.min_size = 500", "ReplayConfig.batch_size = 32",
                       "RainbowTrainer.eval_interval = 1000",
                       "RainbowTrainer.eval_episodes = 10")
    trainer = RainbowTrainer(str(tmp_path), max_env_steps=10000, target_return=60.0,
                             confirm_episodes=30)
    results = trainer.run()
    assert results["confirm_episodes"] == 30 and results["target_reached"], results
    assert results["eval_mean_return"] >= 60.0 and results["confirmed_mean_return"] >= 60.0
    _, action_fn = load_policy(results["policy_dir"])
    confirmations = trainer.evaluation._confirmations
    again = evaluate(action_fn, envs.make_env, 30,
                     seed=EVAL_SEED_OFFSET + CONFIRM_SEED_STRIDE * confirmations)
    assert again.mean == results["confirmed_mean_return"], (again, results)


def test_a_resumed_run_trains_with_the_learning_rate_it_is_configured_with(tmp_path):
    from tfrainbow.runtime.run_utils import describe_changes

    # The config is the source of truth for hyper-parameters, the checkpoint for state.
    tiny_run.configure()
    first = RainbowTrainer(str(tmp_path), max_env_steps=200)
    first.run()
    assert float(first.agent.optimizer.learning_rate.numpy()) == pytest.approx(1e-3)
    tiny_run.configure("tf.keras.optimizers.Adam.learning_rate = 2e-4")
    second = RainbowTrainer(str(tmp_path), max_env_steps=400)
    assert float(second.agent.optimizer.learning_rate.numpy()) == pytest.approx(2e-4)
    assert second.changed_settings == {"learning_rate": (pytest.approx(1e-3),
                                                         pytest.approx(2e-4))}
    assert describe_changes(second.changed_settings) == (  # the resume line says it
        "; learning rate 0.0002 from the config (the checkpoint had 0.001)")
    second.run()
    assert float(second.agent.optimizer.learning_rate.numpy()) == pytest.approx(2e-4)


def test_a_kill_between_the_replay_and_the_weights_saves_resumes_a_consistent_pair(tmp_path):
    """Whichever of the two writes a kill follows, the resumed counters and replay come from
    one save: about as many transitions as env steps (replay holds them all here), not a
    checkpoint interval (1,000 env steps) apart."""
    import subprocess
    import sys

    from tests.runtime.tiny_run import configure
    from tfrainbow.runtime.train_rainbow import RainbowTrainer

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for point in ("replay", "weights"):
        root = tmp_path / point
        done = subprocess.run([sys.executable, "-m", "tests.runtime.crash_between_saves",
                               str(root), point], cwd=repo, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 9, done.stderr[-2000:]
        configure("RainbowTrainer.checkpoint_interval = 1000", "ReplayConfig.max_size = 10000")
        resumed = RainbowTrainer(str(root), max_env_steps=5000)
        try:
            env_steps, replay = int(resumed.state.env_steps), resumed.replay_size()
            # (1,000 or 2,000 env steps; the actor runs on for a few steps between the
            # counter's snapshot and the replay's save.)
            assert env_steps in range(1000, 2100), env_steps
            assert abs(replay - env_steps) < 150, (point, env_steps, replay)
            kept = sorted(os.listdir(root / "replay_kept"))
            assert kept == [str(resumed.manager.latest_checkpoint.rsplit("-", 1)[1])] or \
                len(kept) == 2, kept
        finally:
            resumed.close()


def test_checkpoints_keep_their_schedule_during_the_replay_warm_up(tmp_path):
    """Before replay holds min_size transitions no update runs, yet a checkpoint is due every
    checkpoint_interval env steps: 500, 1,000 and 1,500 of a 2,000-step warm-up, each once."""
    from tests.runtime.tiny_run import configure
    from tfrainbow.runtime.train_rainbow import RainbowTrainer

    configure("RainbowTrainer.checkpoint_interval = 500", "ReplayConfig.min_size = 2000",
              "ReplayConfig.max_size = 10000")
    trainer = RainbowTrainer(str(tmp_path), max_env_steps=2600)
    saves, save = [], trainer.save

    def recorded():
        saves.append((trainer.count(), int(trainer.agent.train_step)))
        save()

    trainer.save = recorded
    trainer.run()
    warm_up = [(count // 500, updates) for count, updates in saves if count < 2000]
    assert [k for k, _ in warm_up] == [1, 2, 3], saves
    assert all(updates == 0 for _, updates in warm_up), saves
