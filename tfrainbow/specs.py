"""Data structures passed between environments, actors, replay and agents, and their specs.

Episode ends carry two flags, as gymnasium reports them: `terminated` (the MDP ended; do not
bootstrap) and `truncated` (a time limit cut the episode; bootstrap from the last observation).
"""
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
import tensorflow as tf
from tensorflow.python.framework.tensor_spec import BoundedTensorSpec  # the class TF-Agents uses

from tfrainbow.errors import UnsupportedSpaceError  # noqa: F401  (re-exported)


class Transition(NamedTuple):
    """One Rainbow training item: (s_t, a_t, R_t^(n), gamma_t^(n), s_t+n).

    `reward` is the n-step return sum_k gamma^k r_t+k up to the window's end, and `discount` is
    gamma^m for a window of m steps, or 0 when the episode terminated inside the window, so the
    bootstrapped target is reward + discount * Q(next_observation).
    """

    observation: Any  # [B, *obs_shape]
    action: Any  # [B] int
    reward: Any  # [B] float32
    discount: Any  # [B] float32
    next_observation: Any  # [B, *obs_shape]


class Trajectory(NamedTuple):
    """An IMPALA unroll of T steps, time-major [T, B] once batched; T + 1 observations.

    Step t: observation x_t, action a_t drawn from the behaviour policy's logits, then reward
    r_t and the two episode-end flags of that step. observation[T] is the bootstrap
    observation; first[t] marks x_t as an episode's first observation (LSTM resets);
    core_state is the behaviour network's core state before x_0 (() without a core).
    truncation_value[t] is the behaviour network's value of the final observation where a
    time limit cut the episode at step t (0 elsewhere; None: no truncations): the target
    bootstraps from it, since the unroll holds the next episode's first observation there.
    """

    observation: Any  # [T + 1, B, *obs_shape]
    first: Any  # [T + 1, B] bool
    action: Any  # [T, B] int
    reward: Any  # [T, B] float32
    terminated: Any  # [T, B] bool
    truncated: Any  # [T, B] bool
    behaviour_logits: Any  # [T, B, A] float32
    core_state: Any = ()  # nest of [B, ...]
    truncation_value: Any = None  # [T, B]: V(final observation) where a time limit ended


_SUPPORTED = "tfrainbow supports Box and Discrete spaces"


def tensor_spec_from_space(space: gym.Space, name: str = "observation") -> BoundedTensorSpec:
    """A bounded tensor spec (shape, dtype, minimum, maximum) for a Box or Discrete space.

    Discrete(n) becomes a scalar int64 spec with bounds [0, n - 1]. Anything else raises
    UnsupportedSpaceError with one line naming the space and the fix.
    """
    if isinstance(space, gym.spaces.Box):
        dtype = tf.as_dtype(space.dtype)
        return BoundedTensorSpec(space.shape, dtype, space.low, space.high, name=name)
    if isinstance(space, gym.spaces.Discrete):
        if int(space.start) != 0:
            raise UnsupportedSpaceError(
                f"Unsupported {name} space {space}: Discrete spaces must start at 0; "
                "wrap the environment to shift its actions to 0..n-1.")
        return BoundedTensorSpec((), tf.int64, 0, int(space.n) - 1, name=name)
    raise UnsupportedSpaceError(
        f"Unsupported {name} space {space}: {_SUPPORTED}; wrap the environment "
        "(e.g. gymnasium.wrappers.FlattenObservation) to expose a Box.")


class EnvSpecs(NamedTuple):
    observation_spec: BoundedTensorSpec
    action_spec: BoundedTensorSpec


def specs_from_env(env) -> EnvSpecs:
    """Observation and action specs of a gymnasium env or vector env (per single env)."""
    obs_space = getattr(env, "single_observation_space", env.observation_space)
    act_space = getattr(env, "single_action_space", env.action_space)
    return EnvSpecs(tensor_spec_from_space(obs_space, "observation"),
                    tensor_spec_from_space(act_space, "action"))


def num_actions(action_spec: BoundedTensorSpec) -> int:
    """Number of discrete actions of a scalar integer action spec; one clear error otherwise."""
    if action_spec.dtype.is_integer and action_spec.shape.rank == 0:
        return int(np.asarray(action_spec.maximum)) - int(np.asarray(action_spec.minimum)) + 1
    raise UnsupportedSpaceError(
        f"Unsupported action spec {action_spec}: value-based agents need a Discrete action space.")


def transition_spec(observation_spec: tf.TensorSpec) -> Transition:
    """The spec of one (unbatched) Transition for a given observation spec."""
    obs = tf.TensorSpec(observation_spec.shape, observation_spec.dtype)
    return Transition(observation=obs,
                      action=tf.TensorSpec((), tf.int64),
                      reward=tf.TensorSpec((), tf.float32),
                      discount=tf.TensorSpec((), tf.float32),
                      next_observation=obs)
