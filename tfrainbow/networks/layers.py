"""Pure Keras layers for Rainbow heads: NoisyDense, DuelingHead, CategoricalHead.

Noise follows Keras' `training` argument: `training=True` samples fresh noise on every call
(the learner and the collect policy), anything else uses the mean weights alone (the greedy
evaluation policy).
"""
import math
from typing import Sequence

import tensorflow as tf

from tfrainbow.errors import ConfigError
from tfrainbow.networks.precision import float32_variable


def _scale_noise(x):
    # f(x) = sgn(x) sqrt(|x|), Fortunato et al. 2018, Sec. 3.
    return tf.sign(x) * tf.sqrt(tf.abs(x))


class NoisyDense(tf.keras.layers.Layer):
    """Dense layer with factorised Gaussian noise (Fortunato et al. 2018, "Noisy Networks").

    y = (mu_w + sigma_w * eps_w) x + mu_b + sigma_b * eps_b, with eps_w = f(eps_in) f(eps_out)^T
    and eps_b = f(eps_out), eps ~ N(0, 1). Initialisation (Sec. 3.2, factorised case):
    mu ~ U[-1/sqrt(p), 1/sqrt(p)] and sigma = sigma0 / sqrt(p), p the number of inputs.
    """

    def __init__(self, units: int, sigma0: float = 0.5, activation=None, use_bias: bool = True,
                 **kwargs):
        super().__init__(**kwargs)
        if units < 1:
            raise ConfigError(f"NoisyDense units must be >= 1, got {units}.")
        if sigma0 < 0:
            raise ConfigError(f"NoisyDense sigma0 must be >= 0, got {sigma0}.")
        self.units = int(units)
        self.sigma0 = float(sigma0)
        self.activation = tf.keras.activations.get(activation)
        self.use_bias = use_bias

    def build(self, input_shape):
        p = int(input_shape[-1])
        bound = 1.0 / math.sqrt(p)
        def mu_init():  # a fresh initializer per weight: Keras repeats an instance's values
            return tf.keras.initializers.RandomUniform(-bound, bound)

        sigma_init = tf.keras.initializers.Constant(self.sigma0 / math.sqrt(p))
        self.kernel_mu = self.add_weight("kernel_mu", [p, self.units], initializer=mu_init())
        self.kernel_sigma = self.add_weight("kernel_sigma", [p, self.units],
                                            initializer=sigma_init)
        if self.use_bias:
            self.bias_mu = self.add_weight("bias_mu", [self.units], initializer=mu_init())
            self.bias_sigma = self.add_weight("bias_sigma", [self.units], initializer=sigma_init)
        super().build(input_shape)

    # A batch at least this large (static shape: the learner's) builds the noisy kernel once
    # (p x q elementwise work) for one matmul forward and two backward; smaller or unknown
    # batches (actors' steps) keep the factorised form: two matmuls forward, four backward.
    KERNEL_FORM_MIN_BATCH = 8

    def call(self, inputs, training=None):
        inputs = tf.convert_to_tensor(inputs, self.compute_dtype)
        if not training:
            return self.activation(self.noisy_outputs(inputs, None, None, "mean"))
        batch = inputs.shape[0]
        form = ("kernel" if batch is not None and batch >= self.KERNEL_FORM_MIN_BATCH
                else "factorised")
        # The kernel form's p x q element-wise work is done in the weights' float32 and cast
        # once: under mixed_bfloat16 TF's CPU element-wise kernels on bf16 are slower than
        # on float32 (benchmarks/README.md); its noise is drawn in float32 too.
        noise_dtype = self.kernel_mu.dtype if form == "kernel" else inputs.dtype
        eps_in, eps_out = self.sample_noise(noise_dtype)  # [p], [q]
        return self.activation(self.noisy_outputs(inputs, eps_in, eps_out, form))

    def noisy_outputs(self, inputs, eps_in, eps_out, form: str):
        """x W + b before the activation, for inputs [B, p] and the noise (eps_in [p],
        eps_out [q]) computed in `form`: 'kernel' builds W = mu + sigma * eps_in eps_out^T,
        'factorised' adds ((x * eps_in) sigma) * eps_out to x mu (the same value, no [p, q]
        noise), 'mean' uses mu alone (no noise)."""
        if form == "kernel":  # in the weights' own dtype (float32 under mixed precision)
            mu, sigma = (float32_variable(v) for v in (self.kernel_mu, self.kernel_sigma))
            eps_in, eps_out = (tf.cast(e, mu.dtype) for e in (eps_in, eps_out))
            kernel = mu + sigma * (eps_in[:, None] * eps_out[None, :])  # [p, q]
            outputs = tf.matmul(inputs, tf.cast(kernel, inputs.dtype))
            if self.use_bias:
                bias_mu, bias_sigma = (float32_variable(v)
                                       for v in (self.bias_mu, self.bias_sigma))
                outputs = outputs + tf.cast(bias_mu + bias_sigma * eps_out, inputs.dtype)
            return outputs
        kernel_mu = tf.cast(self.kernel_mu, inputs.dtype)
        bias = tf.cast(self.bias_mu, inputs.dtype) if self.use_bias else None
        if form == "mean":
            outputs = tf.matmul(inputs, kernel_mu)
        else:
            kernel_sigma = tf.cast(self.kernel_sigma, inputs.dtype)
            outputs = (tf.matmul(inputs, kernel_mu)
                       + tf.matmul(inputs * eps_in, kernel_sigma) * eps_out)
        if self.use_bias:
            if form != "mean":
                bias = bias + tf.cast(self.bias_sigma, inputs.dtype) * eps_out
            outputs = outputs + bias
        return outputs

    def sample_noise(self, dtype=tf.float32):
        """Fresh factorised noise (f(eps_in) [p], f(eps_out) [q]), one draw per call."""
        p = tf.shape(self.kernel_mu)[0]
        return (_scale_noise(tf.random.normal([p], dtype=dtype)),
                _scale_noise(tf.random.normal([self.units], dtype=dtype)))

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, sigma0=self.sigma0, use_bias=self.use_bias,
                      activation=tf.keras.activations.serialize(self.activation))
        return config


def dense(units: int, noisy: bool, sigma0: float = 0.5, activation=None, name=None):
    """NoisyDense when `noisy`, else a plain Dense: the one switch the heads use."""
    if noisy:
        return NoisyDense(units, sigma0=sigma0, activation=activation, name=name)
    return tf.keras.layers.Dense(units, activation=activation, name=name)


class _Stream(tf.keras.layers.Layer):
    """hidden_units of ReLU (noisy) dense layers, then a linear (noisy) output layer
    (none when out_units is None)."""

    def __init__(self, hidden_units, out_units, noisy, sigma0, **kwargs):
        super().__init__(**kwargs)
        self._dense_layers = [dense(h, noisy, sigma0, "relu", name=f"hidden_{i}")
                              for i, h in enumerate(hidden_units)]
        if out_units is not None:
            self._dense_layers.append(dense(out_units, noisy, sigma0, name="out"))

    def call(self, x, training=None):
        for layer in self._dense_layers:
            x = layer(x, training=training)
        return x


class CategoricalHead(tf.keras.layers.Layer):
    """Features [B, F] -> logits [B, A, N]: N atoms per action (N = 1 gives Q-values [B, A, 1])."""

    def __init__(self, num_actions: int, num_atoms: int, hidden_units: Sequence[int] = (),
                 noisy: bool = False, sigma0: float = 0.5, **kwargs):
        super().__init__(**kwargs)
        self.num_actions, self.num_atoms = int(num_actions), int(num_atoms)
        self._stream = _Stream(hidden_units, self.num_actions * self.num_atoms, noisy, sigma0,
                               name="logits")

    def call(self, features, training=None):
        logits = self._stream(features, training=training)  # [B, A * N]
        return tf.reshape(logits, [-1, self.num_actions, self.num_atoms])


class DuelingHead(tf.keras.layers.Layer):
    """Dueling architecture (Wang et al. 2016, eq. 9), applied per atom as in Rainbow (eq. 5).

    out[b, a, i] = v[b, i] + adv[b, a, i] - mean_a' adv[b, a', i]; features [B, F] -> [B, A, N].
    Subtracting the mean advantage makes the value identifiable. With distributional outputs
    these are logits, the softmax over atoms is taken afterwards (Hessel et al. 2018, eq. 5).

    `shared_hidden=False`: each stream has its own hidden layers (Wang et al. 2016, Sec. 4.2:
    "the value and advantage streams both have a fully-connected layer with 512 units").
    `shared_hidden=True`: one set of hidden layers feeds two linear output layers (the layout
    of Dopamine's JAX full Rainbow): about half the head's arithmetic.
    """

    def __init__(self, num_actions: int, num_atoms: int = 1, hidden_units: Sequence[int] = (),
                 noisy: bool = False, sigma0: float = 0.5, shared_hidden: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        self.num_actions, self.num_atoms = int(num_actions), int(num_atoms)
        stream_hidden = () if shared_hidden else hidden_units
        self._shared = (_Stream(hidden_units, None, noisy, sigma0, name="shared")
                        if shared_hidden else None)
        self._value = _Stream(stream_hidden, self.num_atoms, noisy, sigma0, name="value")
        self._advantage = _Stream(stream_hidden, self.num_actions * self.num_atoms, noisy,
                                  sigma0, name="advantage")

    def call(self, features, training=None):
        if self._shared is not None:
            features = self._shared(features, training=training)  # [B, H]
        value = tf.reshape(self._value(features, training=training), [-1, 1, self.num_atoms])
        advantage = tf.reshape(self._advantage(features, training=training),
                               [-1, self.num_actions, self.num_atoms])  # [B, A, N]
        return value + advantage - tf.reduce_mean(advantage, axis=1, keepdims=True)
