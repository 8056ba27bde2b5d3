"""ActorCriticNetwork for IMPALA: encoder -> (optional LSTM core) -> policy logits and value."""
from typing import Optional

import gin
import tensorflow as tf

from tfrainbow.errors import ConfigError


@gin.configurable
class ActorCriticNetwork(tf.keras.Model):
    """Time-major unrolls: observations [T, B, ...] -> logits [T, B, A], values [T, B].

    With `lstm_units`, an LSTM core runs over time and its state is reset to zeros wherever
    `first[t, b]` marks an episode's first step; the state at the unroll's start is an input
    (actors record it in the unroll), the state after its end an output.
    """

    def __init__(self, encoder: tf.keras.layers.Layer, num_actions: int,
                 lstm_units: Optional[int] = None, name: Optional[str] = None):
        super().__init__(name=name)
        if num_actions < 1:
            raise ConfigError(f"ActorCriticNetwork.num_actions must be >= 1, got {num_actions}.")
        if lstm_units is not None and lstm_units < 1:
            raise ConfigError(f"ActorCriticNetwork.lstm_units must be >= 1 or None, got "
                              f"{lstm_units}.")
        self.encoder, self.num_actions = encoder, int(num_actions)
        self.lstm_units = lstm_units
        self.core = tf.keras.layers.LSTMCell(lstm_units, name="core") if lstm_units else None
        self.policy_logits = tf.keras.layers.Dense(num_actions, name="policy_logits")
        self.baseline = tf.keras.layers.Dense(1, name="baseline")

    @property
    def state_names(self):
        """Names of the core state's parts, in order (the export's signature keys)."""
        return ("state_h", "state_c") if self.core is not None else ()

    def initial_state(self, batch_size):
        """Zero core state: (h [B, U], c [B, U]) with an LSTM, () without."""
        if self.core is None:
            return ()
        return (tf.zeros([batch_size, self.lstm_units]), tf.zeros([batch_size, self.lstm_units]))

    def call(self, observations, first=None, state=(), training=None):
        """observations [T, B, ...], first [T, B] -> (logits [T, B, A], values [T, B], state)."""
        shape = tf.shape(observations)
        time, batch = shape[0], shape[1]
        flat = tf.reshape(observations, tf.concat([[time * batch], shape[2:]], 0))
        features = self.encoder(flat, training=training)  # [T * B, F]
        features = tf.reshape(features, [time, batch, -1])  # [T, B, F]
        if self.core is not None:
            features, state = self._unroll_core(features, first, state)
        logits = tf.cast(self.policy_logits(features), tf.float32)  # [T, B, A]
        values = tf.cast(tf.squeeze(self.baseline(features), -1), tf.float32)  # [T, B]
        return logits, values, state

    def _unroll_core(self, features, first, state):
        if first is None:
            raise ValueError("ActorCriticNetwork with an LSTM core needs `first` [T, B].")
        if not state:
            state = self.initial_state(tf.shape(features)[1])

        def step(carry, inputs):
            _, h, c = carry  # float32 [B, U]: the state actors carry and unrolls store
            x, is_first = inputs
            keep = 1.0 - tf.cast(is_first, h.dtype)[:, None]  # reset at episode starts
            # The cell computes in the layer's dtype (bfloat16 under mixed precision).
            out, (h, c) = self.core(x, [tf.cast(h * keep, x.dtype), tf.cast(c * keep, x.dtype)])
            return out, tf.cast(h, tf.float32), tf.cast(c, tf.float32)

        # Shaped as the state (not from features' static batch): a SavedModel traces this
        # with an unknown batch.
        first_out = tf.zeros_like(state[0], features.dtype)
        outputs, hs, cs = tf.scan(step, (features, first), initializer=(first_out,) + tuple(state))
        return outputs, (hs[-1], cs[-1])

    def create_variables(self, observation_spec: tf.TensorSpec):
        """Builds all weights by calling the network once on a zero unroll [1, 1, ...]."""
        obs = tf.zeros([1, 1] + observation_spec.shape.as_list(), observation_spec.dtype)
        self(obs, tf.ones([1, 1], tf.bool), self.initial_state(1))
        return self
