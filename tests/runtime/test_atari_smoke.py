"""The full Rainbow pipeline on Pong (the real ROM) with the shipped Atari-100k config,
shrunk to a few hundred steps: AtariVectorEnv actor, frame-once replay, Nature CNN learner,
evaluation, SavedModel export."""
import json
import pathlib

import gin
import numpy as np

from tfrainbow import builders  # noqa: F401  (gin registrations)
from tfrainbow.runtime.train_rainbow import RainbowTrainer

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_pong_smoke_run_with_the_atari100k_config(tmp_path):
    gin.clear_config()
    gin.add_config_file_search_path(str(REPO))
    gin.parse_config_files_and_bindings([str(REPO / "gin/rainbow/atari100k.gin")], [
        "ReplayConfig.min_size = 100", "ReplayConfig.updates_per_transition = 0.25",
        "RainbowTrainer.max_env_steps = 300", "RainbowTrainer.eval_episodes = 1",
        "RainbowTrainer.checkpoint_interval = 1000000", "RainbowTrainer.log_interval_s = 1000.0",
        "make_atari_env.max_episode_frames = 400",  # a 100-step evaluation episode
    ])
    trainer = RainbowTrainer(str(tmp_path))
    assert trainer.agent.network.encoder.__class__.__name__ == "NatureCNN"
    results = trainer.run()
    assert results["env_steps"] >= 300 and results["updates"] > 0
    assert results["replay_size"] >= 300 - 20  # one item per step, bar the open n-step windows
    assert np.isfinite(results["eval_mean_return"])
    assert json.loads((tmp_path / "results.json").read_text())["updates"] == results["updates"]
    assert (tmp_path / "policy" / "saved_model.pb").is_file()
    # The frame-stacking dataset's iterator ended before its server stopped (Learner.close):
    # destroyed after it, at exit, it once waited for ever on a Reverb sample.
    assert trainer.learner._iterator is None and trainer.server is None
