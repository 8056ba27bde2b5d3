"""Policies over an ActorCriticNetwork: greedy (evaluation) and sampling (IMPALA actors)."""
import tensorflow as tf

from tfrainbow.errors import ConfigError


class ActorCriticPolicy(tf.Module):
    """`step(observation [B, ...], first [B], state) -> (action [B], logits [B, A], state)`;
    `sample=True` draws from softmax(logits) (the behaviour policy), else takes the argmax.
    `action(observation)` is the stateless form, for networks without a core (export)."""

    def __init__(self, network, observation_spec: tf.TensorSpec, sample: bool,
                 name: str = "ActorCriticPolicy"):
        super().__init__(name=name)
        self.network, self.sample = network, bool(sample)
        self.observation_spec = observation_spec
        signature = tf.TensorSpec([None] + observation_spec.shape.as_list(),
                                  observation_spec.dtype, name="observation")
        self.action = tf.function(self._action, input_signature=[signature])
        self.step = tf.function(self._step)

    def _choose(self, logits):
        if self.sample:
            return tf.squeeze(tf.random.categorical(logits, 1, dtype=tf.int64), -1)
        return tf.argmax(logits, axis=-1, output_type=tf.int64)

    def _step(self, observation, first, state):
        logits, _, state = self.network(observation[None], tf.cast(first, tf.bool)[None], state)
        logits = logits[0]  # [B, A]
        return self._choose(logits), logits, state

    def _action(self, observation):
        if self.network.core is not None:
            raise ConfigError("A policy with an LSTM core needs its state: use step().")
        logits, _, _ = self.network(observation[None])
        return self._choose(logits[0])
