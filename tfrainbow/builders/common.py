"""What every agent's builder shares: the table names all roles agree on, optimizers under
their TF names for gin, the bf16 warning, the variable specs of the server's tables, and
the interface every builder has."""
import multiprocessing
import sys
from typing import Callable, List, Tuple

import gin
import tensorflow as tf

from tfrainbow import specs as specs_lib
from tfrainbow.agents import optimizers  # noqa: F401  (registers FusedAdam with gin)
from tfrainbow.envs import atari  # noqa: F401  (registers the Atari options with gin)
from tfrainbow.networks import encoders  # noqa: F401  (registers encoders with gin)
from tfrainbow.errors import ConfigError
from tfrainbow.networks.precision import cpu_has_bf16, precision_scope
from tfrainbow.replay.tables import REPLAY_TABLE, UNROLL_TABLE, VARIABLE_TABLE  # noqa: F401

# Keras optimizers under their TF names, e.g. `RainbowAgent.optimizer =
# @tf.keras.optimizers.Adam()`; the shipped configs use `@FusedAdam()`, the same Adam with
# TF's fused update kernel.
for _optimizer in (tf.keras.optimizers.Adam, tf.keras.optimizers.RMSprop,
                   tf.keras.optimizers.SGD):
    gin.external_configurable(_optimizer, module="tf.keras.optimizers")

_warned_bf16 = []


def warn_if_bf16_emulated(precision: str):
    """One warning per run when bf16 mixed precision is asked for on a machine that would
    emulate it (no GPU, no AVX512_BF16/AMX): it runs, about 3x slower than float32. Once per
    process, and not in processes a run spawns (IMPALA's actors): their parent warned."""
    if (precision == "mixed_bfloat16" and not _warned_bf16
            and multiprocessing.parent_process() is None and not cpu_has_bf16()
            and not tf.config.list_physical_devices("GPU")):
        _warned_bf16.append(True)
        print("warning: precision 'mixed_bfloat16' on a CPU without native bfloat16 "
              "(AVX512_BF16/AMX) and no GPU is emulated, about 3x slower than float32 "
              "(benchmarks/learner_throughput.py's bf16 rows): use 'float32' here.",
              file=sys.stderr, flush=True)


def check_numbers(config: str, **values):
    """One clear error when a numeric knob got something else (a string from a gin binding,
    say): `ReplayConfig.batch_size='abc'` would otherwise fail deep inside with a TypeError."""
    for name, value in values.items():
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, (int, float))):
            raise ConfigError(f"{config}.{name} must be a number, got {value!r}.")


def build_agent(agent_class, network_class, env_specs, precision: str):
    """network_class(num_actions) and agent_class(specs, network) from gin bindings, sized to
    the env, computing in `precision` ("float32" or "mixed_bfloat16", networks/precision.py),
    initialized."""
    warn_if_bf16_emulated(precision)
    with precision_scope(precision):
        network = network_class(num_actions=specs_lib.num_actions(env_specs.action_spec))
        agent = agent_class(env_specs.observation_spec, env_specs.action_spec, network=network)
    return agent.initialize()


def network_of(network_class, env_specs):
    """A float32 network_class sized to the env (for its variables' specs: variables are
    float32 under either precision, mixed bf16 casts them per op)."""
    return lambda: network_class(num_actions=specs_lib.num_actions(env_specs.action_spec))


def variable_specs(make_network: Callable, observation_spec) -> Tuple[List[tf.TensorSpec],
                                                                       List[tf.TensorSpec]]:
    """Specs of the variables `make_network()` has and of its recurrent state (one row,
    empty when feedforward), for the Reverb server's table signatures: one network is
    built, no agent (target network, optimizer, policies). Building it in a throwaway
    graph instead, weightless, would invalidate every Keras layer made outside that graph."""
    network = make_network()
    network.create_variables(observation_spec)
    state = getattr(network, "initial_state", lambda batch_size: ())(1)
    return ([tf.TensorSpec(v.shape, v.dtype) for v in network.variables],
            [tf.TensorSpec(s.shape[1:], s.dtype) for s in state])


class AgentBuilder:
    """What each agent's builder makes (Acme's builder design), for the one-process run and
    for every split role alike. `config` is the agent's one config of knobs outside the
    network and loss (ReplayConfig, UnrollConfig): envs_per_actor, publish_period and
    pull_period have one home there for every role."""

    name: str  # the --agent flag's value
    item_table: str  # the table experience goes into
    table_names: tuple  # every table a server of this agent serves

    def __init__(self, config):
        self.config = config
        self.envs_per_actor = config.envs_per_actor
        self.publish_period = config.publish_period

    def make_agent(self, env_specs):
        """The agent, built from gin and sized to the env's specs, initialized."""
        raise NotImplementedError

    def make_state(self) -> dict:
        """What a run checkpoints beside the agent and ships beside its weights."""
        return {}

    def published_variables(self, agent, state: dict) -> list:
        """What the learner ships to actors: the network's weights (and `state`'s)."""
        return list(agent.network.variables) + list(state.values())

    def make_tables(self, env_specs) -> list:
        """The server's tables, from the specs (no agent is built)."""
        raise NotImplementedError

    def make_learner(self, agent, address: str, state: dict):
        """The learner on a prefetched dataset of the server at `address`."""
        raise NotImplementedError

    def make_actor(self, env, agent, client, state: dict, should_stop, seed: int,
                   subscribe: bool = False, env_steps: int = 0, episodes: int = 0):
        """An actor on the vector env `env` writing through `client` until should_stop();
        `subscribe`: it pulls the learner's published weights."""
        raise NotImplementedError

    def make_policy(self, agent):
        """The policy that evaluations run and the export serves."""
        return agent.policy
