import math

import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.networks.layers import CategoricalHead, DuelingHead, NoisyDense
from tfrainbow.networks.precision import precision_scope


def f(x):  # Fortunato et al. 2018: f(x) = sgn(x) sqrt(|x|)
    return np.sign(x) * np.sqrt(np.abs(x))


@pytest.mark.parametrize("p, units, sigma0", [(4, 3, 0.5), (64, 16, 0.5), (512, 8, 0.1)])
def test_noisy_dense_initialisation(p, units, sigma0):
    layer = NoisyDense(units, sigma0=sigma0)
    layer.build((None, p))
    bound = 1.0 / math.sqrt(p)
    for mu in (layer.kernel_mu.numpy(), layer.bias_mu.numpy()):
        assert mu.min() >= -bound and mu.max() <= bound
    for sigma in (layer.kernel_sigma.numpy(), layer.bias_sigma.numpy()):
        np.testing.assert_allclose(sigma, sigma0 / math.sqrt(p), rtol=1e-6)
    assert not np.allclose(layer.kernel_mu.numpy()[0, : min(units, p)],
                           layer.bias_mu.numpy()[: min(units, p)])


def test_noisy_dense_mu_is_uniform():
    layer = NoisyDense(64)
    layer.build((None, 512))
    mu, bound = layer.kernel_mu.numpy(), 1.0 / math.sqrt(512)
    # U[-b, b]: mean 0, std b / sqrt(3); 32768 samples pin both to about 1%.
    assert abs(mu.mean()) < 0.02 * bound
    np.testing.assert_allclose(mu.std(), bound / math.sqrt(3), rtol=0.02)


class PinnedNoise(NoisyDense):
    """NoisyDense whose noise is fixed, to compare with the explicit weight matrix."""

    def __init__(self, units, eps_in, eps_out, **kwargs):
        super().__init__(units, **kwargs)
        self.eps = (eps_in, eps_out)

    def sample_noise(self, dtype=tf.float32):
        return tuple(tf.constant(f(e), dtype) for e in self.eps)


def test_noisy_dense_matches_explicit_factorised_weights():
    rng = np.random.default_rng(1)
    p, q = 5, 3
    eps_in, eps_out = rng.normal(size=p), rng.normal(size=q)
    layer = PinnedNoise(q, eps_in, eps_out, sigma0=0.5)
    x = rng.normal(size=(7, p)).astype(np.float32)
    layer.build((None, p))
    layer.kernel_sigma.assign(rng.uniform(0.1, 1.0, (p, q)))  # not constant: test the layout
    layer.bias_sigma.assign(rng.uniform(0.1, 1.0, q))
    mu_w, sigma_w = layer.kernel_mu.numpy(), layer.kernel_sigma.numpy()
    mu_b, sigma_b = layer.bias_mu.numpy(), layer.bias_sigma.numpy()
    w = mu_w + sigma_w * np.outer(f(eps_in), f(eps_out))  # eps_w_ij = f(eps_i) f(eps_j)
    b = mu_b + sigma_b * f(eps_out)
    np.testing.assert_allclose(layer(x, training=True).numpy(), x @ w + b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer(x, training=False).numpy(), x @ mu_w + mu_b, rtol=1e-5,
                               atol=1e-5)


def test_noise_is_fresh_in_training_and_absent_in_inference():
    layer = NoisyDense(8)
    x = tf.random.normal([4, 16])
    first, second = layer(x, training=True), layer(x, training=True)
    assert np.abs(first - second).max() > 1e-3
    mean_1, mean_2 = layer(x, training=False), layer(x)
    np.testing.assert_array_equal(mean_1, mean_2)
    expected = x.numpy() @ layer.kernel_mu.numpy() + layer.bias_mu.numpy()
    np.testing.assert_allclose(mean_1, expected, rtol=1e-5, atol=1e-6)


def test_noise_is_fresh_inside_a_tf_function():
    layer = NoisyDense(8)
    x = tf.random.normal([4, 16])
    call = tf.function(lambda x: layer(x, training=True))
    assert np.abs(call(x) - call(x)).max() > 1e-3


def test_gradients_reach_sigma():
    layer = NoisyDense(8)
    x = tf.random.normal([4, 16])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(layer(x, training=True)))
    grads = tape.gradient(loss, [layer.kernel_sigma, layer.bias_sigma])
    for grad in grads:
        assert grad is not None and np.abs(grad.numpy()).max() > 0


def test_sigma0_zero_is_deterministic_even_in_training():
    layer = NoisyDense(8, sigma0=0.0)
    x = tf.random.normal([4, 16])
    np.testing.assert_allclose(layer(x, training=True), layer(x, training=False), atol=1e-6)


@pytest.mark.parametrize("num_atoms", [1, 5])
def test_dueling_subtracts_the_mean_advantage_per_atom(num_atoms):
    head = DuelingHead(num_actions=4, num_atoms=num_atoms, hidden_units=(16,))
    features = tf.random.normal([3, 10])
    out = head(features).numpy()  # [B, A, N]
    value = head._value(features).numpy().reshape(3, 1, num_atoms)
    advantage = head._advantage(features).numpy().reshape(3, 4, num_atoms)
    expected = value + advantage - advantage.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    # Identifiable: the mean over actions is the value stream itself, atom by atom.
    np.testing.assert_allclose(out.mean(axis=1), value[:, 0], rtol=1e-5, atol=1e-6)


def test_categorical_head_gives_logits_per_action_and_atom():
    head = CategoricalHead(num_actions=3, num_atoms=7)
    features = tf.random.normal([2, 5])
    out = head(features)
    assert out.shape == (2, 3, 7)
    flat = head._stream(features).numpy()  # [B, A * N], action-major
    np.testing.assert_allclose(out.numpy()[1, 2], flat[1, 14:21])


@pytest.mark.parametrize("head_cls", [DuelingHead, CategoricalHead])
def test_noisy_heads_use_noise_only_in_training(head_cls):
    head = head_cls(num_actions=2, num_atoms=3, hidden_units=(8,), noisy=True)
    x = tf.random.normal([2, 4])
    assert np.abs(head(x, training=True) - head(x, training=True)).max() > 1e-4
    np.testing.assert_array_equal(head(x), head(x))


def test_dueling_shared_hidden_is_one_hidden_layer_feeding_both_streams():
    head = DuelingHead(num_actions=3, num_atoms=5, hidden_units=(8,), shared_hidden=True)
    x = np.random.default_rng(0).normal(size=(4, 6)).astype(np.float32)
    out = head(x).numpy()  # [B, A, N]
    weights = {v.name.split("head/")[-1] if "head/" in v.name else v.name: v.numpy()
               for v in head.variables}
    (w_h, b_h), (w_v, b_v), (w_a, b_a) = [
        [w for name, w in weights.items() if f"{stream}/" in name]
        for stream in ("shared/hidden_0", "value/out", "advantage/out")]
    assert len(head.variables) == 6  # one hidden layer, two output layers
    hidden = np.maximum(x @ w_h + b_h, 0.0)  # [B, 8]
    value = (hidden @ w_v + b_v).reshape(4, 1, 5)
    advantage = (hidden @ w_a + b_a).reshape(4, 3, 5)
    expected = value + advantage - advantage.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("batch, use_bias", [(32, True), (3, False)])
def test_noisy_kernel_and_factorised_forms_agree_in_outputs_and_gradients(batch, use_bias):
    layer = NoisyDense(7, sigma0=0.5, use_bias=use_bias)
    layer.build([None, 5])
    rng = np.random.default_rng(0)
    for w in layer.weights:  # sigma far from its initial constant, so its gradient matters
        w.assign(rng.normal(size=w.shape).astype(np.float32))
    x = tf.constant(rng.normal(size=(batch, 5)).astype(np.float32))
    eps_in, eps_out = layer.sample_noise()
    results = {}
    for form in ("kernel", "factorised"):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer.noisy_outputs(x, eps_in, eps_out, form)
            loss = tf.reduce_sum(tf.sin(y))
        results[form] = (y, tape.gradient(loss, [x] + layer.trainable_weights))
    # The explicit factorised weights of Fortunato et al. (Sec. 3), in numpy.
    w = (layer.kernel_mu.numpy() + layer.kernel_sigma.numpy()
         * np.outer(eps_in.numpy(), eps_out.numpy()))
    b = (layer.bias_mu.numpy() + layer.bias_sigma.numpy() * eps_out.numpy()) if use_bias else 0
    np.testing.assert_allclose(results["kernel"][0], x.numpy() @ w + b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(results["kernel"][0], results["factorised"][0], rtol=1e-5,
                               atol=1e-5)
    for a, b_ in zip(*(results[f][1] for f in ("kernel", "factorised"))):
        np.testing.assert_allclose(a, b_, rtol=1e-4, atol=1e-5)


def test_the_learner_batch_takes_the_kernel_form_and_actors_the_factorised_one(monkeypatch):
    layer = NoisyDense(4)
    layer.build([None, 3])
    forms = []
    original = NoisyDense.noisy_outputs
    monkeypatch.setattr(NoisyDense, "noisy_outputs",
                        lambda self, x, ei, eo, form: forms.append(form) or original(
                            self, x, ei, eo, form))
    layer(tf.zeros([32, 3]), training=True)
    layer(tf.zeros([1, 3]), training=True)
    layer(tf.zeros([32, 3]), training=False)
    assert forms == ["kernel", "factorised", "mean"]


def test_mixed_bfloat16_kernel_form_builds_the_kernel_in_float32():
    """Under mixed_bfloat16 the learner's kernel form builds W = mu + sigma * eps_in eps_out^T
    in float32 and casts it once: outputs are bf16, equal to float32's to bf16 precision, and
    the weights' gradients are float32 and equal to the float32 layer's to bf16 precision."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 6)).astype(np.float32)
    values = [rng.normal(size=shape).astype(np.float32) for shape in ((6, 5), (6, 5), 5, 5)]
    eps_in, eps_out = (tf.constant(rng.normal(size=n).astype(np.float32)) for n in (6, 5))
    results = {}
    for precision in ("float32", "mixed_bfloat16"):
        with precision_scope(precision):
            layer = NoisyDense(5, sigma0=0.5)
            layer.build([None, 6])
        for w, v in zip(layer.weights, values):  # kernel mu, sigma, bias mu, sigma
            w.assign(v)
        with tf.GradientTape() as tape:
            y = layer.noisy_outputs(tf.cast(x, layer.compute_dtype), eps_in, eps_out, "kernel")
            loss = tf.reduce_sum(tf.cast(y, tf.float32) ** 2)
        grads = tape.gradient(loss, layer.trainable_weights)
        assert y.dtype == tf.as_dtype(layer.compute_dtype)
        assert all(g.dtype == tf.float32 for g in grads)
        results[precision] = (tf.cast(y, tf.float32).numpy(), [g.numpy() for g in grads])
    # The [p, q] element-wise ops of the bf16 layer's graph are float32 ones; only the Cast
    # of the finished kernel yields a bf16 [p, q] tensor.
    graph = tf.function(lambda: layer.noisy_outputs(
        tf.cast(x, tf.bfloat16), eps_in, eps_out, "kernel")).get_concrete_function().graph
    pq = [(op.type, op.outputs[0].dtype) for op in graph.get_operations()
          if op.outputs and op.outputs[0].shape.as_list() == [6, 5]]
    assert ("AddV2", tf.float32) in pq and ("Mul", tf.float32) in pq
    assert [t for t, dtype in pq if dtype == tf.bfloat16] == ["Cast"]
    (y32, g32), (y16, g16) = results["float32"], results["mixed_bfloat16"]
    w = values[0] + values[1] * np.outer(eps_in.numpy(), eps_out.numpy())
    np.testing.assert_allclose(y32, x @ w + values[2] + values[3] * eps_out.numpy(), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(y16, y32, rtol=3e-2, atol=3e-2 * np.abs(y32).max())
    for a, b in zip(g16, g32):
        np.testing.assert_allclose(a, b, rtol=6e-2, atol=6e-2 * np.abs(b).max())
