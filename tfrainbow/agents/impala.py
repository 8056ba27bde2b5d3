"""ImpalaAgent (Espeholt et al. 2018): V-trace actor-critic learner on behaviour unrolls."""
from typing import Any, NamedTuple, Optional

import gin
import tensorflow as tf

from tfrainbow import specs as specs_lib
from tfrainbow.agents.base import LossInfo, check_finite_loss, check_optimizer
from tfrainbow.errors import ConfigError
from tfrainbow.losses import actor_critic, vtrace
from tfrainbow.networks.actor_critic import ActorCriticNetwork
from tfrainbow.policies.actor_critic_policies import ActorCriticPolicy


class ImpalaLossExtra(NamedTuple):
    policy_gradient_loss: Any  # scalars, each already weighted by its cost
    baseline_loss: Any
    entropy_loss: Any
    mean_rho: Any  # mean pi/mu of the taken actions: how far the behaviour policy lags


@gin.configurable
class ImpalaAgent(tf.Module):
    """`train(unroll: Trajectory [T, B]) -> LossInfo(loss, ImpalaLossExtra)`.

    Args:
      discount: gamma; baseline_cost 0.5 and entropy_cost 0.01 as in the paper (Atari).
      max_gradient_norm: global-norm gradient clipping (None: off).
      clip_rho_threshold, clip_pg_rho_threshold, clip_c_threshold, lambda_: V-trace's
        rho_bar, rho_bar_pg, c_bar (the trace cutting, Sec. 4.1; the paper's 1) and lambda.
      reward_clipping: None or "abs_one" (clip to [-1, 1], the paper's Atari setting).
      greedy_evaluation: evaluate and export the argmax of pi instead of sampling from it
        (the paper's scores and scalable_agent's test mode sample: the default).
      jit_compile_actor: compile the actors' per-step policy call with XLA (faster for small
        MLPs on CPU; measure before turning it on for convolutional networks).
    At a truncated step (time limit) the target is r_t + gamma V(final observation), from the
    unroll's `truncation_value` (the behaviour network's value, so lagging by the policy
    lag); reward clipping applies to r_t only.
    """

    def __init__(self, observation_spec: tf.TensorSpec, action_spec: tf.TensorSpec,
                 network: ActorCriticNetwork, optimizer: tf.keras.optimizers.Optimizer,
                 discount: float = 0.99, baseline_cost: float = 0.5,
                 entropy_cost: float = 0.01, max_gradient_norm: Optional[float] = 40.0,
                 clip_rho_threshold: float = 1.0, clip_pg_rho_threshold: float = 1.0,
                 clip_c_threshold: float = 1.0, lambda_: float = 1.0,
                 reward_clipping: Optional[str] = None, greedy_evaluation: bool = False,
                 jit_compile_actor: bool = False, name: str = "ImpalaAgent"):
        super().__init__(name=name)
        self.num_actions = specs_lib.num_actions(action_spec)
        if network.num_actions != self.num_actions:
            raise ConfigError(f"ActorCriticNetwork has {network.num_actions} actions but the "
                              f"action spec has {self.num_actions}.")
        if not 0.0 <= discount <= 1.0:
            raise ConfigError(f"ImpalaAgent.discount must be in [0, 1], got {discount}.")
        if reward_clipping not in (None, "abs_one"):
            raise ConfigError(f"ImpalaAgent.reward_clipping must be None or 'abs_one', got "
                              f"{reward_clipping!r}.")
        check_optimizer(optimizer, "ImpalaAgent")
        self.observation_spec, self.action_spec = observation_spec, action_spec
        self.network, self.optimizer = network, optimizer
        self.discount, self.baseline_cost = float(discount), float(baseline_cost)
        self.entropy_cost, self.max_gradient_norm = float(entropy_cost), max_gradient_norm
        self.vtrace_kwargs = dict(clip_rho_threshold=clip_rho_threshold,
                                  clip_pg_rho_threshold=clip_pg_rho_threshold,
                                  clip_c_threshold=clip_c_threshold, lambda_=lambda_)
        self.reward_clipping = reward_clipping
        self.train_step = tf.Variable(0, dtype=tf.int64, trainable=False, name="train_step")
        self.policy = ActorCriticPolicy(network, observation_spec, sample=not greedy_evaluation,
                                        name="GreedyPolicy" if greedy_evaluation
                                        else "EvaluationPolicy")
        self.collect_policy = ActorCriticPolicy(network, observation_spec, sample=True,
                                                jit_compile=jit_compile_actor,
                                                name="SamplingPolicy")
        self._train_fn = tf.function(self._train)

    def initialize(self):
        """Builds the network weights and the optimizer state."""
        self.network.create_variables(self.observation_spec)
        self.optimizer.build(self.network.trainable_variables)
        return self

    def train(self, unroll: specs_lib.Trajectory) -> LossInfo:
        """One update on a batch of time-major unrolls."""
        return self._train_fn(unroll)

    def loss(self, unroll: specs_lib.Trajectory):
        """Total loss and its weighted terms for a batch of time-major unrolls."""
        logits, values, _ = self.network(unroll.observation, unroll.first, unroll.core_state,
                                         training=True)  # [T + 1, B, A], [T + 1, B]
        target_logits, bootstrap_value, values = logits[:-1], values[-1], values[:-1]
        rewards = tf.cast(unroll.reward, tf.float32)
        if self.reward_clipping == "abs_one":
            rewards = tf.clip_by_value(rewards, -1.0, 1.0)
        terminated = tf.cast(unroll.terminated, tf.bool)
        truncated = tf.logical_and(tf.cast(unroll.truncated, tf.bool), ~terminated)
        not_ended = 1.0 - tf.cast(tf.logical_or(terminated, truncated), tf.float32)
        discounts = self.discount * not_ended  # [T, B]
        if unroll.truncation_value is not None:
            # A time limit is not a terminal: bootstrap from V(final observation) there.
            rewards += self.discount * tf.cast(truncated, tf.float32) * tf.cast(
                unroll.truncation_value, tf.float32)
        returns = vtrace.from_logits(unroll.behaviour_logits, target_logits, unroll.action,
                                     discounts, rewards, values, bootstrap_value,
                                     **self.vtrace_kwargs)
        pg = actor_critic.policy_gradient_loss(target_logits, unroll.action,
                                               returns.pg_advantages)
        baseline = self.baseline_cost * actor_critic.baseline_loss(returns.vs - values)
        entropy = self.entropy_cost * actor_critic.entropy_loss(target_logits)
        extra = ImpalaLossExtra(pg, baseline, entropy,
                                tf.reduce_mean(tf.exp(returns.log_rhos)))
        return pg + baseline + entropy, extra

    def _train(self, unroll):
        with tf.GradientTape() as tape:
            loss, extra = self.loss(unroll)
            # Raises before the update is applied: the weights stay finite.
            loss = check_finite_loss(loss, "ImpalaAgent")
        variables = self.network.trainable_variables
        gradients = tape.gradient(loss, variables)
        if self.max_gradient_norm is not None:
            gradients, _ = tf.clip_by_global_norm(gradients, self.max_gradient_norm)
        self.optimizer.apply_gradients(zip(gradients, variables))
        self.train_step.assign_add(1)
        return LossInfo(loss, extra)
