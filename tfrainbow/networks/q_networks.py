"""RainbowNetwork: encoder + (noisy) (dueling) (categorical) head."""
import contextlib
from typing import Optional, Sequence

import gin
import tensorflow as tf

from tfrainbow.errors import ConfigError
from tfrainbow.networks.layers import CategoricalHead, DuelingHead
from tfrainbow.networks.precision import precision_scope


@gin.configurable
class RainbowNetwork(tf.keras.Model):
    """Observations [B, ...] -> logits [B, A, N] over the support z (distributional), or
    Q-values [B, A] when `distributional=False` or `num_atoms=1`.

    The support z_i = v_min + i (v_max - v_min) / (N - 1) is `self.support` [N]. `dueling`,
    `noisy` and `distributional` are Rainbow's three network switches; `training=True`
    samples fresh noise in every NoisyDense, anything else uses the mean weights.
    `hidden_units` are the head's hidden layers, one set per dueling stream unless
    `shared_hidden` (see DuelingHead). `head_precision` ("float32" or "mixed_bfloat16";
    None: the network's own) lets the head compute apart from the encoder: under
    mixed_bfloat16, "float32" keeps the convolutions in bf16 (compute-bound, where native bf16
    pays) and the head in float32 (its batch-32 matmuls and the noisy kernels' element-wise
    work are memory-bound: bf16 there adds casts and saves nothing; benchmarks/README.md).
    """

    def __init__(self, encoder: tf.keras.layers.Layer, num_actions: int, num_atoms: int = 51,
                 v_min: float = -10.0, v_max: float = 10.0, dueling: bool = True,
                 noisy: bool = True, sigma0: float = 0.5, hidden_units: Sequence[int] = (512,),
                 distributional: bool = True, shared_hidden: bool = False,
                 head_precision: Optional[str] = None, name: Optional[str] = None):
        super().__init__(name=name)
        if num_actions < 1:
            raise ConfigError(f"RainbowNetwork.num_actions must be >= 1, got {num_actions}.")
        if num_atoms < 1:
            raise ConfigError(f"RainbowNetwork.num_atoms must be >= 2 for a distribution (or 1 "
                             f"for plain Q-values), got {num_atoms}.")
        self.distributional = bool(distributional) and num_atoms > 1
        if self.distributional and not v_min < v_max:
            raise ConfigError(f"RainbowNetwork needs v_min < v_max, got v_min={v_min}, "
                             f"v_max={v_max}; set e.g. v_min=-10, v_max=10.")
        self.num_actions = int(num_actions)
        self.num_atoms = int(num_atoms) if self.distributional else 1
        self.dueling, self.noisy = bool(dueling), bool(noisy)
        self._config = dict(num_actions=num_actions, num_atoms=num_atoms, v_min=v_min,
                            v_max=v_max, dueling=dueling, noisy=noisy, sigma0=sigma0,
                            hidden_units=tuple(hidden_units), distributional=distributional,
                            shared_hidden=shared_hidden, head_precision=head_precision)
        self.encoder = encoder
        with (precision_scope(head_precision) if head_precision else contextlib.nullcontext()):
            if dueling:  # shared_hidden: one hidden stack for both streams (Dopamine's layout)
                self.head = DuelingHead(self.num_actions, self.num_atoms, hidden_units,
                                        noisy=noisy, sigma0=sigma0, shared_hidden=shared_hidden,
                                        name="head")
            else:
                self.head = CategoricalHead(self.num_actions, self.num_atoms, hidden_units,
                                            noisy=noisy, sigma0=sigma0, name="head")
        self.support = tf.linspace(float(v_min), float(v_max), self.num_atoms)  # [N]

    def call(self, observations, training=None):
        features = self.encoder(observations, training=training)  # [B, F]
        out = tf.cast(self.head(features, training=training), tf.float32)  # [B, A, N]
        return out if self.distributional else out[..., 0]  # [B, A, N] or [B, A]

    def q_values(self, outputs):
        """Network outputs -> Q-values [B, A]: E_z[p(z)] = sum_i softmax(logits)_i z_i."""
        if not self.distributional:
            return outputs
        return tf.reduce_sum(tf.nn.softmax(outputs, axis=-1) * self.support, axis=-1)

    def create_variables(self, observation_spec: tf.TensorSpec):
        """Builds all weights by calling the network once on a zero batch of one."""
        self(tf.zeros([1] + observation_spec.shape.as_list(), observation_spec.dtype))
        return self

    def copy(self, name: Optional[str] = None) -> "RainbowNetwork":
        """A fresh network of the same architecture (new, unbuilt weights): the target net."""
        with precision_scope(self.dtype_policy.name):  # the copy computes as this one does
            encoder = type(self.encoder).from_config(self.encoder.get_config())
            return RainbowNetwork(encoder, name=name, **self._config)
