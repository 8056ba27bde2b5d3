"""Rainbow's builder: the agent, the prioritized replay table, the n-step writers, the
learner and the actor, from one config (ReplayConfig), for the one-process and split runs."""
from typing import Callable, Optional

import gin
import reverb
import tensorflow as tf

from tfrainbow import specs as specs_lib
from tfrainbow.agents.rainbow import RainbowAgent
from tfrainbow.builders.common import (REPLAY_TABLE, VARIABLE_TABLE, AgentBuilder,
                                       build_agent, check_numbers, network_of,
                                       variable_specs)
from tfrainbow.errors import ConfigError
from tfrainbow.networks.q_networks import RainbowNetwork
from tfrainbow.replay import datasets, tables, weights, writers
from tfrainbow.runtime.actor import Actor
from tfrainbow.runtime.learners import Learner


@gin.configurable
def build_rainbow_agent(env_specs: specs_lib.EnvSpecs,
                        precision: str = "float32") -> RainbowAgent:
    """RainbowNetwork and RainbowAgent from gin bindings, sized to the env, initialized.
    `precision`: "float32" or "mixed_bfloat16" (networks/precision.py)."""
    return build_agent(RainbowAgent, RainbowNetwork, env_specs, precision)


@gin.configurable
class ReplayConfig:
    """Rainbow's knobs outside the network and the loss, in one place: the replay table, the
    n-step writers, the learner and the actors read them.

    Args:
      max_size: capacity in transitions (FIFO removal beyond it).
      min_size: transitions before learning starts (Rainbow Atari: 80k frames = 20k steps).
      batch_size: transitions per update.
      updates_per_transition: the replay ratio; samples per insert = batch_size x this.
      n_step: n of the multi-step returns the writers build (1: off; Hessel et al. 2018: 3).
      gamma: the discount of those returns (the agent bootstraps with the stored gamma^n).
      prioritized: prioritized replay on (Schaul et al. 2016) or uniform.
      priority_exponent: omega; importance_exponent: beta0, annealed to
        `importance_final_exponent` (1, Schaul et al.) over `importance_anneal_updates`
        updates; priority_floor: the least priority written.
      error_buffer: how far (in sampled items) the ratio may drift before a side blocks;
        None: a few batches (see tables.rate_limiter).
      clip_rewards: clip rewards to [-1, 1] in the stored n-step returns (Atari training);
        the returns the actor reports stay unclipped.
      frame_stack: k > 1 stores each frame of [H, W, k] stacked observations once and
        rebuilds the stacks on the learner (Atari: 4); 1 stores observations as they are.
      updates_per_call: learner updates inside one compiled call (an in-graph loop); more
        amortize the per-call dispatch that bounds small networks.
      envs_per_actor: envs each actor steps side by side, one batched policy call per step.
      publish_period: learner updates between weight publications (split runs).
      pull_period: vector steps an actor takes between weight pulls (split runs).
    """

    def __init__(self, max_size: int = 100_000, min_size: int = 1_000, batch_size: int = 32,
                 updates_per_transition: float = 1.0, n_step: int = 3, gamma: float = 0.99,
                 prioritized: bool = True, priority_exponent: float = 0.5,
                 importance_exponent: float = 0.4, importance_anneal_updates: int = 100_000,
                 importance_final_exponent: float = 1.0,
                 priority_floor: float = 1e-3, error_buffer: Optional[float] = None,
                 clip_rewards: bool = False, frame_stack: int = 1, updates_per_call: int = 1,
                 envs_per_actor: int = 1, publish_period: int = 100, pull_period: int = 100):
        check_numbers("ReplayConfig", max_size=max_size, min_size=min_size,
                      batch_size=batch_size, updates_per_transition=updates_per_transition,
                      n_step=n_step, gamma=gamma, priority_exponent=priority_exponent,
                      importance_exponent=importance_exponent,
                      importance_anneal_updates=importance_anneal_updates,
                      importance_final_exponent=importance_final_exponent,
                      priority_floor=priority_floor, error_buffer=error_buffer,
                      frame_stack=frame_stack, updates_per_call=updates_per_call,
                      envs_per_actor=envs_per_actor, publish_period=publish_period,
                      pull_period=pull_period)
        if batch_size < 1:
            raise ConfigError(f"ReplayConfig.batch_size must be >= 1, got {batch_size}.")
        if batch_size > min_size:
            raise ConfigError(f"ReplayConfig.batch_size ({batch_size}) is larger than the "
                              f"replay's min_size ({min_size}); raise min_size to at least "
                              f"{batch_size}.")
        if updates_per_transition <= 0:
            raise ConfigError(f"ReplayConfig.updates_per_transition must be > 0, got "
                              f"{updates_per_transition}.")
        if n_step < 1:
            raise ConfigError(f"ReplayConfig.n_step must be >= 1 (1 turns multi-step off), "
                              f"got {n_step}.")
        if not 0.0 <= gamma <= 1.0:
            raise ConfigError(f"ReplayConfig.gamma must be in [0, 1], got {gamma}.")
        for name, value in (("frame_stack", frame_stack), ("updates_per_call", updates_per_call),
                            ("envs_per_actor", envs_per_actor),
                            ("publish_period", publish_period), ("pull_period", pull_period)):
            if value < 1:
                raise ConfigError(f"ReplayConfig.{name} must be >= 1, got {value}.")
        self.max_size, self.min_size, self.batch_size = int(max_size), int(min_size), batch_size
        self.updates_per_transition = float(updates_per_transition)
        self.n_step, self.gamma = int(n_step), float(gamma)
        self.prioritized, self.priority_exponent = bool(prioritized), float(priority_exponent)
        self.importance_exponent = float(importance_exponent)
        self.importance_anneal_updates = int(importance_anneal_updates)
        self.importance_final_exponent = float(importance_final_exponent)
        self.priority_floor = float(priority_floor)
        self.error_buffer = error_buffer
        self.clip_rewards = bool(clip_rewards)
        self.frame_stack, self.updates_per_call = int(frame_stack), int(updates_per_call)
        self.envs_per_actor = int(envs_per_actor)
        self.publish_period, self.pull_period = int(publish_period), int(pull_period)

    def table(self, observation_spec) -> reverb.Table:
        """The replay table for transitions of this observation spec."""
        return tables.prioritized_table(
            REPLAY_TABLE, tables.signature_of(specs_lib.transition_spec(
                writers.stored_observation_spec(observation_spec, self.frame_stack))),
            max_size=self.max_size, priority_exponent=self.priority_exponent,
            prioritized=self.prioritized, min_size_to_sample=self.min_size,
            samples_per_insert=self.batch_size * self.updates_per_transition,
            error_buffer=self.error_buffer)

    def writer(self, client: reverb.Client, priority_fn: Callable[[], float],
               should_stop: Callable[[], bool]) -> writers.NStepTransitionWriter:
        """An n-step writer for one env stream."""
        return writers.NStepTransitionWriter(client, REPLAY_TABLE, self.n_step, self.gamma,
                                             priority_fn=priority_fn, should_stop=should_stop,
                                             clip_rewards=self.clip_rewards,
                                             frame_stack=self.frame_stack)

    def learner(self, agent: RainbowAgent, server_address: str,
                timeout_ms: Optional[int] = 1000, max_priority=None) -> Learner:
        """A Learner on a prefetched dataset of this table (priority updates when prioritized)."""
        dataset = datasets.transition_dataset(server_address, REPLAY_TABLE, self.batch_size,
                                              rate_limiter_timeout_ms=timeout_ms,
                                              frame_stack=self.frame_stack)
        updater = (datasets.PriorityUpdater(server_address, REPLAY_TABLE, self.priority_floor)
                   if self.prioritized else None)
        return Learner(agent, dataset, updater, beta0=self.importance_exponent,
                       beta_anneal_updates=self.importance_anneal_updates,
                       max_priority=max_priority, updates_per_call=self.updates_per_call,
                       beta_final=self.importance_final_exponent)


def new_max_priority() -> tf.Variable:
    """The learner's running max priority (Schaul et al. 2016), checkpointed with the agent."""
    return tf.Variable(1.0, dtype=tf.float64, trainable=False, name="max_priority")


class RainbowBuilder(AgentBuilder):
    """Everything a Rainbow run is made of, for every role (Acme's builder design). `state`
    is what a run checkpoints beside the agent and ships beside its weights: the running
    max priority, at which new items enter the replay."""

    name, item_table = "rainbow", REPLAY_TABLE
    table_names = (REPLAY_TABLE, VARIABLE_TABLE)

    def __init__(self, config: Optional[ReplayConfig] = None):
        super().__init__(config or ReplayConfig())

    def make_agent(self, env_specs) -> RainbowAgent:
        return build_rainbow_agent(env_specs)

    def make_state(self) -> dict:
        return {"max_priority": new_max_priority()}

    def make_tables(self, env_specs):
        """The replay and variable tables (one network built for its variable shapes)."""
        network_specs, _ = variable_specs(network_of(RainbowNetwork, env_specs),
                                          env_specs.observation_spec)
        max_priority = tf.TensorSpec([], tf.float64)
        return [self.config.table(env_specs.observation_spec),
                tables.variable_table(VARIABLE_TABLE,
                                      weights.weights_signature(network_specs + [max_priority]))]

    def make_learner(self, agent, address: str, state: dict) -> Learner:
        return self.config.learner(agent, address, max_priority=state["max_priority"])

    def make_actor(self, env, agent, client, state: dict, should_stop, seed: int,
                   subscribe: bool = False, env_steps: int = 0, episodes: int = 0) -> Actor:
        """An actor with one n-step writer per env. `subscribe`: it pulls the learner's
        weights every pull_period vector steps (a split run); else it shares the agent."""
        max_priority = state["max_priority"]
        actor_writers = [self.config.writer(client, lambda: float(max_priority.numpy()),
                                            should_stop) for _ in range(env.num_envs)]
        pull = None
        if subscribe:
            subscriber = weights.WeightsSubscriber(client, VARIABLE_TABLE,
                                                   self.published_variables(agent, state))

            def pull():
                version = subscriber.pull()
                agent.train_step.assign(version)  # the collect epsilon follows the learner
                return version

        return Actor(env, agent.collect_policy, actor_writers, should_stop, seed=seed,
                     env_steps=env_steps,
                     episodes=episodes, pull=pull, pull_period=self.config.pull_period)
