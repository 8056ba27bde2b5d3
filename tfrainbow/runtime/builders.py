"""The one place that turns gin configuration into objects (env specs, network, agent).

Both the one-process binary and the split binaries build through these functions.
"""
import gin
import tensorflow as tf

from tfrainbow import specs as specs_lib
from tfrainbow.agents.rainbow import RainbowAgent
from tfrainbow.networks import encoders  # noqa: F401  (registers encoders with gin)
from tfrainbow.networks.q_networks import RainbowNetwork

# Keras optimizers under their TF names, e.g. `RainbowAgent.optimizer = @tf.keras.optimizers.Adam()`.
for _optimizer in (tf.keras.optimizers.Adam, tf.keras.optimizers.RMSprop,
                   tf.keras.optimizers.SGD):
    gin.external_configurable(_optimizer, module="tf.keras.optimizers")


@gin.configurable
def build_rainbow_agent(env_specs: specs_lib.EnvSpecs) -> RainbowAgent:
    """RainbowNetwork and RainbowAgent from gin bindings, sized to the env, initialized."""
    network = RainbowNetwork(num_actions=specs_lib.num_actions(env_specs.action_spec))
    agent = RainbowAgent(env_specs.observation_spec, env_specs.action_spec, network=network)
    return agent.initialize()
