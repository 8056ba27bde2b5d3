"""IMPALA's builder: the agent, the unroll queue, the unroll writer, the V-trace learner and
the actor, from one config (UnrollConfig), for the one-process and split runs."""
from typing import Optional

import gin

from tfrainbow import specs as specs_lib
from tfrainbow.agents.impala import ImpalaAgent
from tfrainbow.builders.common import (UNROLL_TABLE, VARIABLE_TABLE, AgentBuilder,
                                       build_agent, check_numbers, network_of,
                                       variable_specs)
from tfrainbow.errors import ConfigError
from tfrainbow.networks.actor_critic import ActorCriticNetwork
from tfrainbow.replay import tables, unrolls, weights
from tfrainbow.runtime.impala_actor import ImpalaActor
from tfrainbow.runtime.learners import ImpalaLearner


@gin.configurable
def build_impala_agent(env_specs: specs_lib.EnvSpecs, precision: str = "float32"):
    """ActorCriticNetwork and ImpalaAgent from gin bindings, sized to the env, initialized.
    `precision`: "float32" or "mixed_bfloat16" (networks/precision.py)."""
    return build_agent(ImpalaAgent, ActorCriticNetwork, env_specs, precision)


@gin.configurable
class UnrollConfig:
    """IMPALA's knobs outside the network and the loss, in one place (the server's tables,
    actors and learner read them), as ReplayConfig is for Rainbow.

    Args:
      unroll_length: T, env steps per unroll (paper: 20).
      batch_size: unrolls per learner update (paper: 32).
      queue_size: unrolls the queue holds before actors block (None: 2 batches).
      publish_period: learner updates between weight publications.
      pull_period: unrolls an actor writes between weight pulls (the policy lag grows with
        both periods).
      envs_per_actor: envs each actor steps side by side; their E unrolls travel as one
        queue item [T, E, ...] (one Reverb append per unroll), so batch_size must be a
        multiple of it.
    """

    def __init__(self, unroll_length: int = 20, batch_size: int = 32,
                 queue_size: Optional[int] = None, publish_period: int = 1,
                 pull_period: int = 1, envs_per_actor: int = 8):
        check_numbers("UnrollConfig", unroll_length=unroll_length, batch_size=batch_size,
                      queue_size=queue_size, publish_period=publish_period,
                      pull_period=pull_period, envs_per_actor=envs_per_actor)
        if unroll_length < 1 or batch_size < 1:
            raise ConfigError(f"UnrollConfig needs unroll_length >= 1 and batch_size >= 1, "
                              f"got {unroll_length} and {batch_size}.")
        if publish_period < 1 or pull_period < 1:
            raise ConfigError(f"UnrollConfig needs publish_period >= 1 and pull_period >= 1, "
                              f"got {publish_period} and {pull_period}.")
        if envs_per_actor < 1 or batch_size % envs_per_actor:
            raise ConfigError(f"UnrollConfig.batch_size ({batch_size}) must be a multiple of "
                              f"UnrollConfig.envs_per_actor ({envs_per_actor}, >= 1): a batch "
                              f"is made of whole items of envs_per_actor unrolls.")
        self.unroll_length, self.batch_size = int(unroll_length), int(batch_size)
        self.envs_per_actor = int(envs_per_actor)
        self.queue_size = int(queue_size or 2 * batch_size)  # unrolls
        self.publish_period, self.pull_period = int(publish_period), int(pull_period)

    def tables(self, env_specs: specs_lib.EnvSpecs):
        """The unroll queue and the variable table (one network built for its variable
        shapes)."""
        network_specs, core_state = variable_specs(network_of(ActorCriticNetwork, env_specs),
                                                   env_specs.observation_spec)
        signature = unrolls.unroll_signature(
            env_specs.observation_spec, specs_lib.num_actions(env_specs.action_spec),
            self.unroll_length, core_state, envs=self.envs_per_actor)
        items = max(1, self.queue_size // self.envs_per_actor)  # of envs_per_actor unrolls
        return [tables.unroll_queue_table(UNROLL_TABLE, signature, items),
                tables.variable_table(VARIABLE_TABLE, weights.weights_signature(network_specs))]

    def dataset(self, server_address: str, timeout_ms: Optional[int] = 1000):
        """Time-major batches of unrolls with their policy versions, prefetched."""
        return unrolls.unroll_dataset(server_address, UNROLL_TABLE, self.batch_size,
                                      rate_limiter_timeout_ms=timeout_ms)


class ImpalaBuilder(AgentBuilder):
    """Everything an IMPALA run is made of, for every role (Acme's builder design)."""

    name, item_table = "impala", UNROLL_TABLE
    table_names = (UNROLL_TABLE, VARIABLE_TABLE)

    def __init__(self, config: Optional[UnrollConfig] = None):
        super().__init__(config or UnrollConfig())

    def make_agent(self, env_specs) -> ImpalaAgent:
        return build_impala_agent(env_specs)

    def make_tables(self, env_specs):
        return self.config.tables(env_specs)

    def make_learner(self, agent, address: str, state: dict) -> ImpalaLearner:
        return ImpalaLearner(agent, self.config.dataset(address))

    def make_actor(self, env, agent, client, state: dict, should_stop, seed: int,
                   subscribe: bool = True, env_steps: int = 0, episodes: int = 0):
        """An actor writing unrolls; it always acts with weights it pulls (every
        pull_period unrolls), as IMPALA's actors run apart from the learner."""
        subscriber = weights.WeightsSubscriber(client, VARIABLE_TABLE,
                                               self.published_variables(agent, state))
        return ImpalaActor(env, agent, client, self.config.unroll_length, should_stop,
                           self.config.pull_period, seed=seed, weights=subscriber)

