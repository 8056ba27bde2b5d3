"""Greedy and epsilon-greedy policies over a Q (or return-distribution) network."""
from typing import Callable, Union

import tensorflow as tf

from tfrainbow.policies.compiled import FlatCall


class _CompiledAction:
    def compiled_action(self, batch_size: int):
        """`action` for observations [batch_size, ...] as one concrete function called flat
        (a tensor in, actions [batch_size] out, no signature matching per call: FlatCall),
        compiled with XLA when the policy was built with `jit_compile=True`: the actors'
        per-step call. `action` itself stays a plain graph function: SavedModels export it.
        XLA is a per-config choice: it made the CartPole MLP's call faster and the Nature
        CNN's slower on the CPUs measured (benchmarks/README.md)."""
        spec = self.action.input_signature[0]
        fixed = tf.TensorSpec([batch_size] + spec.shape.as_list()[1:], spec.dtype)
        function = tf.function(self._action, jit_compile=self.jit_compile)
        return FlatCall(function.get_concrete_function(fixed))


class GreedyPolicy(tf.Module, _CompiledAction):
    """argmax_a Q(s, a). `noisy=True` samples fresh network noise per call (NoisyNet
    exploration, the collect policy); `noisy=False` acts on the mean weights (evaluation)."""

    kind = "greedy"  # for evaluation reports (the noise is off in evaluation)

    def __init__(self, network, observation_spec: tf.TensorSpec, noisy: bool = False,
                 jit_compile: bool = False, name: str = "GreedyPolicy"):
        super().__init__(name=name)
        self.network = network
        self.noisy, self.jit_compile = bool(noisy), bool(jit_compile)
        self.observation_spec = observation_spec
        signature = tf.TensorSpec([None] + observation_spec.shape.as_list(),
                                  observation_spec.dtype, name="observation")
        self.action = tf.function(self._action, input_signature=[signature])

    def q_values(self, observation):
        """[B, ...] -> Q-values [B, A] (the mean of the return distribution when distributional)."""
        return self.network.q_values(self.network(observation, training=self.noisy))

    def _action(self, observation):
        return tf.argmax(self.q_values(observation), axis=-1, output_type=tf.int64)  # [B]


class EpsilonGreedyPolicy(tf.Module, _CompiledAction):
    """With probability epsilon a uniform random action, else the wrapped policy's action.

    `epsilon` is a float or a zero-argument callable read on every call (a schedule)."""

    def __init__(self, policy: GreedyPolicy, num_actions: int,
                 epsilon: Union[float, Callable[[], tf.Tensor]], jit_compile: bool = False,
                 name="EpsilonGreedyPolicy"):
        super().__init__(name=name)
        self.policy, self.jit_compile = policy, bool(jit_compile)
        self.num_actions = int(num_actions)
        self._epsilon = epsilon if callable(epsilon) else (lambda: tf.constant(float(epsilon)))
        signature = policy.action.input_signature
        self.action = tf.function(self._action, input_signature=signature)

    def epsilon(self):
        """The current exploration probability (a float32 scalar)."""
        return tf.cast(self._epsilon(), tf.float32)

    def _action(self, observation):
        greedy = self.policy.action(observation)  # [B]
        batch = tf.shape(greedy)[0]
        random = tf.random.uniform([batch], 0, self.num_actions, dtype=tf.int64)
        explore = tf.random.uniform([batch]) < self.epsilon()
        return tf.where(explore, random, greedy)
