"""binaries.evaluate on Atari: the protocol's options and the human-normalized score, from a
SavedModel, as a user runs it."""
import json
import pathlib
import subprocess
import sys

import pytest
import tensorflow as tf

from tfrainbow import envs, specs
from tfrainbow.agents.rainbow import RainbowAgent
from tfrainbow.networks.encoders import NatureCNN
from tfrainbow.networks.q_networks import RainbowNetwork
from tfrainbow.policies.saver import export_policy

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_evaluate_pong_reports_the_human_normalized_score(tmp_path):
    env_specs = specs.specs_from_env(envs.make_env("ALE/Pong-v5"))
    network = RainbowNetwork(NatureCNN(), num_actions=6, hidden_units=(32,))
    agent = RainbowAgent(env_specs.observation_spec, env_specs.action_spec, network,
                         tf.keras.optimizers.Adam()).initialize()
    policy_dir = export_policy(agent.policy, str(tmp_path / "policy"))
    output = tmp_path / "pong.json"
    done = subprocess.run(
        [sys.executable, "-m", "binaries.evaluate", f"--policy_dir={policy_dir}",
         "--env_id=ALE/Pong-v5", "--num_episodes=2", "--epsilon=0.001", f"--output={output}",
         "--gin_bindings=make_atari_env.max_episode_frames = 800"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(output.read_text())
    assert report["game"] == "Pong" and report["env_id"] == "ALE/Pong-v5"
    assert len(report["returns"]) == 2 and report["epsilon"] == 0.001
    assert report["hns"] == pytest.approx((report["mean_return"] + 20.7) / (14.6 + 20.7))
    assert f"human-normalized score {report['hns']:.3f}" in done.stdout
