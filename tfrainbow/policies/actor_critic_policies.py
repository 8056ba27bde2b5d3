"""Policies over an ActorCriticNetwork: greedy (evaluation) and sampling (IMPALA actors)."""
import tensorflow as tf

from tfrainbow.errors import ConfigError
from tfrainbow.policies.compiled import FlatCall


class ActorCriticPolicy(tf.Module):
    """`step(observation [B, ...], first [B], state) -> (action [B], logits [B, A], state)`;
    `sample=True` draws from softmax(logits) (the behaviour policy), else takes the argmax.
    `action(observation)` is the stateless form, for networks without a core; with a core
    (`recurrent`), `recurrent_action(observation, first, state) -> (action, state)` and
    `get_initial_state(batch_size)` are (TF-Agents' `action(time_step, policy_state)` and
    `get_initial_state`), with fixed signatures for evaluation and export."""

    def __init__(self, network, observation_spec: tf.TensorSpec, sample: bool,
                 jit_compile: bool = False, name: str = "ActorCriticPolicy"):
        super().__init__(name=name)
        self.network, self.sample = network, bool(sample)
        self.jit_compile = bool(jit_compile)
        self.observation_spec = observation_spec
        signature = tf.TensorSpec([None] + observation_spec.shape.as_list(),
                                  observation_spec.dtype, name="observation")
        self.step = tf.function(self._step)
        self.recurrent = network.core is not None
        # The stateless action only for a feedforward network (with a core it raises, and is
        # no tf.function, so that a SavedModel does not trace it).
        self.action = (self._action if self.recurrent else
                       tf.function(self._action, input_signature=[signature]))
        if self.recurrent:
            units = network.lstm_units
            state = tuple(tf.TensorSpec([None, units], tf.float32, name=name)
                          for name in network.state_names)
            self.recurrent_action = tf.function(self._recurrent_action, input_signature=[
                signature, tf.TensorSpec([None], tf.bool, name="first"), state])
            self.get_initial_state = tf.function(
                network.initial_state, input_signature=[tf.TensorSpec([], tf.int32)])

    @property
    def kind(self) -> str:
        """'sampled' (draws from pi) or 'greedy' (its argmax), for evaluation reports."""
        return "sampled" if self.sample else "greedy"

    def compiled_step(self, batch_size: int):
        """`step` for a fixed batch size as one concrete function of (observation tensor,
        first tensor, state), called flat (FlatCall), XLA-compiled when the policy was built
        with jit_compile: the IMPALA actors' per-step call (see GreedyPolicy.compiled_action)."""
        observation, state = self._batch_specs(batch_size)
        function = tf.function(self._step, jit_compile=self.jit_compile)
        return FlatCall(function.get_concrete_function(
            observation, tf.TensorSpec([batch_size], tf.bool), state))

    def compiled_value(self, batch_size: int):
        """V(observation [B, ...]) -> values [B] for a fixed batch size, continuing from
        `state` (the core state the step before returned; () without a core), as one
        concrete function called flat: the actors' bootstrap value where a time limit cut
        an episode (an eager Keras call there cost more than the whole step)."""
        function = tf.function(self._value, jit_compile=self.jit_compile)
        return FlatCall(function.get_concrete_function(*self._batch_specs(batch_size)))

    def _batch_specs(self, batch_size):
        """Specs of an observation batch [B, ...] and of the core state for B streams."""
        observation = tf.TensorSpec([batch_size] + self.observation_spec.shape.as_list(),
                                    self.observation_spec.dtype)
        state = tf.nest.map_structure(lambda s: tf.TensorSpec(s.shape, s.dtype),
                                      self.network.initial_state(batch_size))
        return observation, state

    def _value(self, observation, state):
        first = tf.zeros([1, tf.shape(observation)[0]], tf.bool)  # the episode goes on
        _, values, _ = self.network(observation[None], first, state)
        return values[0]  # [B]

    def _choose(self, logits):
        if self.sample:
            return tf.squeeze(tf.random.categorical(logits, 1, dtype=tf.int64), -1)
        return tf.argmax(logits, axis=-1, output_type=tf.int64)

    def _step(self, observation, first, state):
        logits, _, state = self.network(observation[None], tf.cast(first, tf.bool)[None], state)
        logits = logits[0]  # [B, A]
        return self._choose(logits), logits, state

    def _recurrent_action(self, observation, first, state):
        action, _, state = self._step(observation, first, state)
        return action, state

    def _action(self, observation):
        if self.network.core is not None:
            raise ConfigError("A policy with an LSTM core needs its state: use "
                              "recurrent_action().")
        logits, _, _ = self.network(observation[None])
        return self._choose(logits[0])
