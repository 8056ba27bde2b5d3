"""RainbowAgent (Hessel et al. 2018): the compiled train step that joins network and losses.

The six components are switches: `double` (here), `dueling`, `noisy`, `distributional` (on
RainbowNetwork), and on ReplayConfig multi-step returns (`n_step`: the replay writer builds
R^(n) and gamma^(n), which the transitions carry) and prioritized replay (the replay samples
by priority and hands importance weights to `train`).
"""
from typing import Any, NamedTuple, Optional

import gin
import tensorflow as tf

from tfrainbow import specs as specs_lib
from tfrainbow.agents.base import LossInfo, check_finite_loss, check_optimizer
from tfrainbow.errors import ConfigError
from tfrainbow.losses import categorical, q_learning
from tfrainbow.networks.q_networks import RainbowNetwork
from tfrainbow.policies import EpsilonGreedyPolicy, GreedyPolicy


class RainbowLossExtra(NamedTuple):
    per_sample_loss: Any  # [B] loss before importance weighting
    priorities: Any  # [B] new replay priorities: KL(target || p) (C51) or |TD error| (scalar)
    q_mean: Any  # scalar: mean Q(s, a) of the sampled actions, for summaries


def _gather_actions(outputs, actions):
    """outputs [B, A, ...] and actions [B] -> outputs[b, actions[b]] [B, ...]."""
    return tf.gather(outputs, tf.cast(actions, tf.int32), axis=1, batch_dims=1)


@gin.configurable
class RainbowAgent(tf.Module):
    """Rainbow DQN. `train(experience: Transition, weights=None) -> LossInfo`.

    Args:
      observation_spec, action_spec: from `tfrainbow.specs.specs_from_env`.
      network: a RainbowNetwork; the target network is a copy synced every
        `target_update_period` updates.
      optimizer: a Keras optimizer (Rainbow: Adam, lr 6.25e-5, epsilon 1.5e-4).
      gamma, n_step: moved to ReplayConfig (the replay writer uses them; the agent
        bootstraps with the discount each transition carries); setting them here is
        refused with the new binding.
      double: bootstrap action chosen by the online network, evaluated by the target network
        (van Hasselt et al. 2016); off: max over the target network.
      huber_delta: Huber loss threshold of the scalar (non-distributional) TD loss.
      gradient_clipping: clip gradients to this global norm (None: no clipping, as Rainbow).
      epsilon_greedy, epsilon_decay_period: exploration of the collect policy when the
        network is not noisy: epsilon decays linearly from 1 to `epsilon_greedy` over
        `epsilon_decay_period` updates (0: constant).
      epsilon_with_noisy: the same epsilon-greedy exploration on top of the noisy collect
        policy. Off: the noise alone explores (Fortunato et al. 2018; Hessel et al. 2018).
        On with a constant 0.01: Dopamine's full Rainbow, whose noisy agents keep
        epsilon_train through identity_epsilon (its DER and MinAtar configs).
      jit_compile: compile the train step with XLA. Off by default: on the CPUs measured,
        XLA was slower (benchmarks/jit_compile.py).
      jit_compile_actor: compile the collect policy's per-step call (what actors run) with
        XLA: faster for small MLPs, slower for the Nature CNN on CPU (see
        GreedyPolicy.compiled_action).
    """

    def __init__(self, observation_spec: tf.TensorSpec, action_spec: tf.TensorSpec,
                 network: RainbowNetwork, optimizer: tf.keras.optimizers.Optimizer,
                 gamma: Optional[float] = None, n_step: Optional[int] = None,
                 double: bool = True,
                 target_update_period: int = 8000, huber_delta: float = 1.0,
                 gradient_clipping: Optional[float] = None, epsilon_greedy: float = 0.01,
                 epsilon_decay_period: int = 0, epsilon_with_noisy: bool = False,
                 jit_compile: bool = False,
                 jit_compile_actor: bool = False, name: str = "RainbowAgent"):
        super().__init__(name=name)
        self.num_actions = specs_lib.num_actions(action_spec)
        if network.num_actions != self.num_actions:
            raise ConfigError(f"RainbowNetwork has {network.num_actions} actions but the action "
                             f"spec has {self.num_actions}; build it with num_actions="
                             f"{self.num_actions}.")
        for old, value in (("gamma", gamma), ("n_step", n_step)):
            if value is not None:
                raise ConfigError(f"RainbowAgent.{old} is now ReplayConfig.{old} (the replay "
                                  f"writer builds the n-step returns): bind ReplayConfig.{old}"
                                  f" = {value} instead.")
        if target_update_period < 1:
            raise ConfigError(f"RainbowAgent.target_update_period must be >= 1 update, got "
                             f"{target_update_period}.")
        if not 0.0 <= epsilon_greedy <= 1.0:
            raise ConfigError(f"RainbowAgent.epsilon_greedy must be in [0, 1], got "
                             f"{epsilon_greedy}.")
        check_optimizer(optimizer, "RainbowAgent")
        self.observation_spec, self.action_spec = observation_spec, action_spec
        self.network = network
        self.target_network = network.copy(name="target_network")
        self.optimizer = optimizer
        self.double = bool(double)
        self.target_update_period = int(target_update_period)
        self.huber_delta = float(huber_delta)
        self.gradient_clipping = gradient_clipping
        self.epsilon_greedy = float(epsilon_greedy)
        self.epsilon_decay_period = int(epsilon_decay_period)
        self.train_step = tf.Variable(0, dtype=tf.int64, trainable=False, name="train_step")
        self.policy = GreedyPolicy(network, observation_spec, noisy=False)
        if network.noisy:
            self.collect_policy = GreedyPolicy(network, observation_spec, noisy=True,
                                               jit_compile=jit_compile_actor,
                                               name="NoisyGreedyPolicy")
            if epsilon_with_noisy:
                self.collect_policy = EpsilonGreedyPolicy(self.collect_policy, self.num_actions,
                                                          self.collect_epsilon,
                                                          jit_compile=jit_compile_actor,
                                                          name="NoisyEpsilonGreedyPolicy")
        else:
            self.collect_policy = EpsilonGreedyPolicy(self.policy, self.num_actions,
                                                      self.collect_epsilon,
                                                      jit_compile=jit_compile_actor)
        # One trace per batch shape: `train` always passes weights, so None and a tensor share it.
        self._train_fn = tf.function(self._train, jit_compile=jit_compile)
        self._initialized = False

    def initialize(self):
        """Builds the online and target weights and the optimizer state; syncs the target."""
        self.network.create_variables(self.observation_spec)
        self.target_network.create_variables(self.observation_spec)
        self.optimizer.build(self.network.trainable_variables)
        self._sync_target()
        self._initialized = True
        return self

    def collect_epsilon(self):
        """Linear decay 1 -> epsilon_greedy over epsilon_decay_period updates."""
        if self.epsilon_decay_period <= 0:
            return tf.constant(self.epsilon_greedy)
        fraction = tf.minimum(tf.cast(self.train_step, tf.float32) / self.epsilon_decay_period,
                              1.0)
        return 1.0 + fraction * (self.epsilon_greedy - 1.0)

    def train(self, experience: specs_lib.Transition, weights=None) -> LossInfo:
        """One gradient update on a batch of n-step transitions; `weights` [B] are importance
        weights from prioritized replay (None: all 1). Returns LossInfo(loss, RainbowLossExtra)."""
        if not self._initialized:
            self.initialize()
        if weights is None:
            weights = tf.ones_like(experience.reward, dtype=tf.float32)
        return self._train_fn(experience, weights)

    @property
    def train_trace_count(self) -> int:
        return self._train_fn.experimental_get_tracing_count()

    def _sync_target(self):
        for target, online in zip(self.target_network.variables, self.network.variables):
            target.assign(online)

    def _bootstrap_outputs(self, next_observation, next_online):
        """The target network's outputs at the bootstrap action a*: [B, N] or [B]."""
        next_target = self.target_network(next_observation, training=True)  # fresh noise
        selector = next_online if self.double else next_target
        next_actions = tf.argmax(self.network.q_values(selector), axis=-1)  # [B]
        return _gather_actions(next_target, next_actions)

    def _loss(self, chosen, bootstrap, reward, discount):
        """Per-sample loss and priority for outputs at the taken actions."""
        if self.network.distributional:
            next_probabilities = tf.nn.softmax(bootstrap, axis=-1)  # [B, N]
            target = categorical.categorical_target(reward, discount, next_probabilities,
                                                    self.network.support)
            per_sample = categorical.categorical_loss(chosen, target)  # [B]
            priorities = tf.maximum(categorical.categorical_kl(chosen, target), 0.0)
            q = tf.reduce_sum(tf.nn.softmax(chosen, axis=-1) * self.network.support, -1)
        else:
            td_error = q_learning.td_error(chosen, reward, discount, bootstrap)  # [B]
            per_sample = q_learning.huber_loss(td_error, self.huber_delta)
            priorities, q = tf.abs(td_error), chosen
        return per_sample, tf.stop_gradient(priorities), tf.reduce_mean(q)

    def _train(self, experience, weights):
        observation, action, reward, discount, next_observation = experience
        reward = tf.cast(reward, tf.float32)
        discount = tf.cast(discount, tf.float32)
        # The bootstrap side, outside the tape: no backward pass over s_t+n. Three
        # independent noise draws, as NoisyNet-Dueling's loss writes them (Fortunato et al.
        # 2018, Sec. 3.1): eps for Q(s_t, a_t), eps'' for the online net's choice
        # a* = argmax_a Q(s_t+n, a) (double Q), eps' for the target net evaluating a*.
        # (Dopamine's full Rainbow draws one for both s_t+n passes.)
        next_online = (self.network(next_observation, training=True) if self.double
                       else None)
        bootstrap = tf.stop_gradient(self._bootstrap_outputs(next_observation, next_online))
        with tf.GradientTape() as tape:
            outputs = self.network(observation, training=True)
            chosen = _gather_actions(outputs, action)  # [B, N] or [B]
            per_sample, priorities, q_mean = self._loss(chosen, bootstrap, reward, discount)
            loss = tf.reduce_mean(tf.cast(weights, tf.float32) * per_sample)
            # Raises before the update is applied: the weights stay finite.
            loss = check_finite_loss(loss, "RainbowAgent")
        variables = self.network.trainable_variables
        gradients = tape.gradient(loss, variables)
        if self.gradient_clipping is not None:
            gradients, _ = tf.clip_by_global_norm(gradients, self.gradient_clipping)
        self.optimizer.apply_gradients(zip(gradients, variables))
        self.train_step.assign_add(1)
        if self.train_step % self.target_update_period == 0:  # autograph: a tf.cond
            self._sync_target()
        return LossInfo(loss, RainbowLossExtra(per_sample, priorities, q_mean))
