"""A small CartPole Rainbow configuration for runtime tests (fast on 2 cores)."""
import gin

from tfrainbow import builders  # noqa: F401  (registers configurables)
from tfrainbow.runtime import train_rainbow  # noqa: F401

TINY_BINDINGS = [
    "make_env.env_id = 'CartPole-v1'",
    "RainbowNetwork.encoder = @MLPEncoder()",
    "MLPEncoder.hidden_units = (32,)",
    "RainbowNetwork.hidden_units = (32,)",
    "RainbowNetwork.num_atoms = 21",
    "RainbowNetwork.v_min = 0.0",
    "RainbowNetwork.v_max = 100.0",
    "RainbowAgent.optimizer = @tf.keras.optimizers.Adam()",
    "tf.keras.optimizers.Adam.learning_rate = 1e-3",
    "RainbowAgent.target_update_period = 50",
    "ReplayConfig.min_size = 64",
    "ReplayConfig.batch_size = 16",
    "ReplayConfig.max_size = 5000",
    "RainbowTrainer.eval_interval = 1000000",
    "RainbowTrainer.eval_episodes = 2",
    "RainbowTrainer.checkpoint_interval = 1000000",
    "RainbowTrainer.log_interval_s = 1000.0",
]


def configure(*extra_bindings):
    gin.clear_config()
    gin.parse_config_files_and_bindings([], TINY_BINDINGS + list(extra_bindings))
