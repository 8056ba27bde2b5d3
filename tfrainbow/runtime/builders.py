"""The one place that turns gin configuration into objects: env specs, networks, agents,
replay table, writers, dataset and learner. The one-process run and split binaries share it.
"""
import multiprocessing
import os
import sys
from typing import Callable, Optional

import gin
import reverb
import tensorflow as tf

from tfrainbow import specs as specs_lib
from tfrainbow.agents import optimizers  # noqa: F401  (registers FusedAdam with gin)
from tfrainbow.agents.impala import ImpalaAgent
from tfrainbow.agents.rainbow import RainbowAgent
from tfrainbow.envs import atari  # noqa: F401  (registers the Atari options with gin)
from tfrainbow.errors import ConfigError, MissingRunError
from tfrainbow.networks import encoders  # noqa: F401  (registers encoders with gin)
from tfrainbow.networks.actor_critic import ActorCriticNetwork
from tfrainbow.networks.precision import cpu_has_bf16, precision_scope
from tfrainbow.networks.q_networks import RainbowNetwork
from tfrainbow.replay import datasets, tables, unrolls, writers
from tfrainbow.runtime.learner import Learner

# Table names every role agrees on (one server serves one agent).
REPLAY_TABLE, UNROLL_TABLE, VARIABLE_TABLE = "replay", "unrolls", "variables"
AGENTS = ("rainbow", "impala")

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


@gin.configurable
def build_rainbow_agent(env_specs: specs_lib.EnvSpecs,
                        precision: str = "float32") -> RainbowAgent:
    """RainbowNetwork and RainbowAgent from gin bindings, sized to the env, initialized.
    `precision`: "float32" or "mixed_bfloat16" (networks/precision.py)."""
    warn_if_bf16_emulated(precision)
    with precision_scope(precision):
        network = RainbowNetwork(num_actions=specs_lib.num_actions(env_specs.action_spec))
        agent = RainbowAgent(env_specs.observation_spec, env_specs.action_spec,
                             network=network)
    return agent.initialize()


@gin.configurable
class ReplayConfig:
    """Rainbow's replay knobs in one place (the table, the writers and the learner read them).

    Args:
      max_size: capacity in transitions (FIFO removal beyond it).
      min_size: transitions before learning starts (Rainbow Atari: 80k frames = 20k steps).
      batch_size: transitions per update.
      updates_per_transition: the replay ratio; samples per insert = batch_size x this.
      prioritized: prioritized replay on (Schaul et al. 2016) or uniform.
      priority_exponent: omega; importance_exponent: beta0, annealed to 1 over
        `importance_anneal_updates` updates; priority_floor: the least priority written.
      error_buffer: how far (in sampled items) the ratio may drift before a side blocks;
        None: a few batches (see tables.rate_limiter).
      clip_rewards: clip rewards to [-1, 1] in the stored n-step returns (Atari training);
        the returns the actor reports stay unclipped.
      frame_stack: k > 1 stores each frame of [H, W, k] stacked observations once and
        rebuilds the stacks on the learner (Atari: 4); 1 stores observations as they are.
      updates_per_call: learner updates inside one compiled call (an in-graph loop); more
        amortize the per-call dispatch that bounds small networks.
    """

    def __init__(self, max_size: int = 100_000, min_size: int = 1_000, batch_size: int = 32,
                 updates_per_transition: float = 1.0, prioritized: bool = True,
                 priority_exponent: float = 0.5, importance_exponent: float = 0.4,
                 importance_anneal_updates: int = 100_000, priority_floor: float = 1e-3,
                 error_buffer: Optional[float] = None, clip_rewards: bool = False,
                 frame_stack: int = 1, updates_per_call: int = 1):
        if batch_size < 1:
            raise ConfigError(f"ReplayConfig.batch_size must be >= 1, got {batch_size}.")
        if batch_size > min_size:
            raise ConfigError(f"ReplayConfig.batch_size ({batch_size}) is larger than the "
                             f"replay's min_size ({min_size}); raise min_size to at least "
                             f"{batch_size}.")
        if updates_per_transition <= 0:
            raise ConfigError(f"ReplayConfig.updates_per_transition must be > 0, got "
                             f"{updates_per_transition}.")
        self.max_size, self.min_size, self.batch_size = int(max_size), int(min_size), batch_size
        self.updates_per_transition = float(updates_per_transition)
        self.prioritized, self.priority_exponent = bool(prioritized), float(priority_exponent)
        self.importance_exponent = float(importance_exponent)
        self.importance_anneal_updates = int(importance_anneal_updates)
        self.priority_floor = float(priority_floor)
        self.error_buffer = error_buffer
        self.clip_rewards = bool(clip_rewards)
        if frame_stack < 1:
            raise ConfigError(f"ReplayConfig.frame_stack must be >= 1, got {frame_stack}.")
        self.frame_stack = int(frame_stack)
        if updates_per_call < 1:
            raise ConfigError(f"ReplayConfig.updates_per_call must be >= 1, got "
                              f"{updates_per_call}.")
        self.updates_per_call = int(updates_per_call)

    def table(self, observation_spec) -> reverb.Table:
        """The replay table for transitions of this observation spec."""
        return tables.prioritized_table(
            REPLAY_TABLE, tables.signature_of(specs_lib.transition_spec(
                writers.stored_observation_spec(observation_spec, self.frame_stack))),
            max_size=self.max_size, priority_exponent=self.priority_exponent,
            prioritized=self.prioritized, min_size_to_sample=self.min_size,
            samples_per_insert=self.batch_size * self.updates_per_transition,
            error_buffer=self.error_buffer)

    def writer(self, client: reverb.Client, agent: RainbowAgent,
               priority_fn: Callable[[], float], should_stop: Callable[[], bool]):
        """An n-step writer for one env stream, with the agent's n_step and gamma."""
        return writers.NStepTransitionWriter(client, REPLAY_TABLE, agent.n_step, agent.gamma,
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
                       max_priority=max_priority, updates_per_call=self.updates_per_call)


def restore_rainbow_agent(root_dir: str, env_specs: specs_lib.EnvSpecs) -> RainbowAgent:
    """The agent of a run (built from the parsed gin) with root_dir's latest checkpoint."""
    checkpoint_dir = os.path.join(root_dir, "checkpoints")
    latest = tf.train.latest_checkpoint(checkpoint_dir)
    if latest is None:
        raise MissingRunError(f"No checkpoint in {checkpoint_dir}: train first with "
                                f"`python -m binaries.train_rainbow --root_dir={root_dir}`.")
    agent = build_rainbow_agent(env_specs)
    status = tf.train.Checkpoint(agent=agent).restore(latest)
    status.expect_partial().assert_existing_objects_matched()
    return agent


@gin.configurable
def build_impala_agent(env_specs: specs_lib.EnvSpecs, precision: str = "float32"):
    """ActorCriticNetwork and ImpalaAgent from gin bindings, sized to the env, initialized.
    `precision`: "float32" or "mixed_bfloat16" (networks/precision.py)."""
    warn_if_bf16_emulated(precision)
    with precision_scope(precision):
        network = ActorCriticNetwork(num_actions=specs_lib.num_actions(env_specs.action_spec))
        agent = ImpalaAgent(env_specs.observation_spec, env_specs.action_spec,
                            network=network)
    return agent.initialize()


@gin.configurable
class UnrollConfig:
    """IMPALA's transport knobs in one place (the server's tables, actors and learner read
    them), as ReplayConfig is for Rainbow.

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

    def tables(self, agent: ImpalaAgent):
        """The unroll queue and the variable table for this agent's specs."""
        signature = unrolls.unroll_signature(agent.observation_spec, agent.num_actions,
                                             self.unroll_length, envs=self.envs_per_actor)
        items = max(1, self.queue_size // self.envs_per_actor)  # of envs_per_actor unrolls
        return [tables.unroll_queue_table(UNROLL_TABLE, signature, items),
                tables.variable_table(VARIABLE_TABLE,
                                      unrolls.weights_signature(agent.network.variables))]

    def dataset(self, server_address: str, timeout_ms: Optional[int] = 1000):
        """Time-major batches of unrolls with their policy versions, prefetched."""
        return unrolls.unroll_dataset(server_address, UNROLL_TABLE, self.batch_size,
                                      rate_limiter_timeout_ms=timeout_ms)


def published_variables(agent, max_priority: Optional[tf.Variable] = None):
    """What the learner ships to actors: the online network's variables, and for Rainbow the
    running max priority (new items enter at it)."""
    variables = list(agent.network.variables)
    return variables + [max_priority] if max_priority is not None else variables


def new_max_priority() -> tf.Variable:
    """The learner's running max priority (Schaul et al. 2016), checkpointed with the agent."""
    return tf.Variable(1.0, dtype=tf.float64, trainable=False, name="max_priority")


def server_tables(agent_kind: str, env_specs: specs_lib.EnvSpecs):
    """The tables a standalone server needs for `agent_kind` ('rainbow' or 'impala')."""
    if agent_kind == "rainbow":
        agent = build_rainbow_agent(env_specs)
        return [ReplayConfig().table(env_specs.observation_spec),
                tables.variable_table(VARIABLE_TABLE, unrolls.weights_signature(
                    published_variables(agent, new_max_priority())))]
    if agent_kind == "impala":
        return UnrollConfig().tables(build_impala_agent(env_specs))
    raise ConfigError(f"Unknown agent {agent_kind!r}: choose one of {', '.join(AGENTS)}.")
