"""IMPALA on one machine with real actor processes and a real Reverb server."""
import numpy as np
import gin

from tfrainbow import builders  # noqa: F401  (gin registrations)
from tfrainbow.runtime import train_impala  # noqa: F401
from tfrainbow import envs
from tfrainbow.policies.saver import load_policy
from tfrainbow.runtime.evaluator import evaluate
from tfrainbow.runtime.run_evaluation import EVAL_SEED_OFFSET
from tfrainbow.runtime.train_impala import ImpalaTrainer

BINDINGS = [
    "make_env.env_id = 'CartPole-v1'",
    "ActorCriticNetwork.encoder = @MLPEncoder()",
    "MLPEncoder.hidden_units = (64, 64)",
    "ImpalaAgent.optimizer = @tf.keras.optimizers.Adam()",
    "tf.keras.optimizers.Adam.learning_rate = 1e-3",
    "ImpalaTrainer.num_actors = 2",
    "UnrollConfig.envs_per_actor = 8",
    "UnrollConfig.unroll_length = 20",
    "UnrollConfig.batch_size = 32",
    "ImpalaTrainer.eval_interval = 50000",
    "ImpalaTrainer.target_return = 300.0",
    "ImpalaAgent.greedy_evaluation = True",  # the export's re-evaluation below is exact
]


def test_impala_learns_cartpole_with_two_actor_processes_and_resumes(tmp_path):
    gin.clear_config()
    gin.parse_config_files_and_bindings([], BINDINGS)
    trainer = ImpalaTrainer(str(tmp_path), max_env_steps=250_000)
    results = trainer.run()
    # Random play scores about 22.
    assert results["eval_mean_return"] >= 100, results
    assert results["num_actors"] == 2 and results["updates"] > 0
    assert 0 <= results["policy_lag"]["mean"] <= results["policy_lag"]["max"] < 50
    assert results["trained_env_steps_per_s"] > 0 and results["eval_policy"] == "greedy"
    weights = [v.numpy() for v in trainer.agent.network.variables]
    if results["target_reached"]:
        # Evaluation runs on a snapshot while training goes on; the export is that snapshot:
        # the same greedy episodes (same seeds) give the same returns as reported.
        _, action_fn = load_policy(results["policy_dir"])
        again = evaluate(action_fn, envs.make_env, 10, seed=EVAL_SEED_OFFSET)
        assert again.mean == results["eval_mean_return"], (again, results)

    resumed = ImpalaTrainer(str(tmp_path), max_env_steps=250_000)
    assert int(resumed.state.env_steps) == results["env_steps"]
    assert int(resumed.agent.train_step) == results["updates"]
    for restored, saved in zip(resumed.agent.network.variables, weights):
        np.testing.assert_array_equal(restored.numpy(), saved)
    resumed.close()


def test_lag_summary_from_a_histogram():
    from tfrainbow.runtime.learners import lag_summary

    lags = np.array([0, 1, 1, 1, 2, 2, 3, 5, 5, 9])
    summary = lag_summary(np.bincount(lags, minlength=12))
    assert summary == {"mean": lags.mean(), "p50": 2.0, "p90": 5.0, "max": 9.0}
    assert summary["p50"] == np.percentile(lags, 50, method="inverted_cdf")
    assert summary["p90"] == np.percentile(lags, 90, method="inverted_cdf")



def test_an_lstm_run_evaluates_and_exports_its_recurrent_policy(tmp_path):
    """The trainer's final evaluation carries the LSTM state; the export (initial_state and a
    stateful action) and binaries.evaluate, from the checkpoint or the SavedModel, replay
    those greedy episodes exactly."""
    import json
    import subprocess
    import sys

    from tests.binaries.test_train_rainbow_binary import REPO, ENV

    gin.clear_config()
    gin.parse_config_files_and_bindings([], BINDINGS + [
        "ActorCriticNetwork.lstm_units = 16", "ImpalaTrainer.eval_interval = 0",
        "ImpalaTrainer.eval_episodes = 5", "MLPEncoder.hidden_units = (32,)"])
    results = ImpalaTrainer(str(tmp_path), max_env_steps=20_000).run()
    assert results["eval_policy"] == "greedy" and results["env_steps"] >= 20_000
    _, action_fn = load_policy(results["policy_dir"])
    again = evaluate(action_fn, envs.make_env, 5, seed=EVAL_SEED_OFFSET)
    assert again.mean == results["eval_mean_return"], (again, results)
    for source in (f"--policy_dir={results['policy_dir']}", f"--root_dir={tmp_path}"):
        out = tmp_path / "eval.json"
        done = subprocess.run(
            [sys.executable, "-m", "binaries.evaluate", source, "--num_episodes=5",
             f"--seed={EVAL_SEED_OFFSET}", f"--output={out}"],
            cwd=REPO, env=ENV, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(out.read_text())["mean_return"] == results["eval_mean_return"]
