import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.losses import categorical


def numpy_projection(supports, weights, target_support):
    """Bellemare et al. 2017, Algorithm 1, one atom at a time (l == u handled)."""
    v_min, v_max = target_support[0], target_support[-1]
    delta_z = (v_max - v_min) / (len(target_support) - 1)
    out = np.zeros((supports.shape[0], len(target_support)))
    for b in range(supports.shape[0]):
        for z, p in zip(supports[b], weights[b]):
            tz = min(max(z, v_min), v_max)
            pos = (tz - v_min) / delta_z
            lower, upper = int(np.floor(pos)), int(np.ceil(pos))
            if lower == upper:
                out[b, lower] += p
            else:
                out[b, lower] += p * (upper - pos)
                out[b, upper] += p * (pos - lower)
    return out


@pytest.mark.parametrize("batch, n, k, v_min, v_max", [
    (16, 51, 51, -10.0, 10.0), (8, 7, 11, 0.0, 1.0), (4, 51, 21, -3.0, 5.0)])
def test_projection_matches_numpy_on_random_inputs(batch, n, k, v_min, v_max):
    rng = np.random.default_rng(3)
    span = v_max - v_min
    supports = rng.uniform(v_min - 0.5 * span, v_max + 0.5 * span, (batch, n))  # some clipped
    weights = rng.dirichlet(np.ones(n), batch)
    target_support = np.linspace(v_min, v_max, k)
    got = categorical.project_distribution(supports.astype(np.float32),
                                           weights.astype(np.float32), target_support)
    np.testing.assert_allclose(got, numpy_projection(supports, weights, target_support),
                               atol=1e-5)
    np.testing.assert_allclose(got.numpy().sum(-1), 1.0, atol=1e-5)


GRID = [-1.0, 0.0, 1.0]  # target support for the hand-computed rows below


@pytest.mark.parametrize("supports, weights, expected", [
    ([0.0], [1.0], [0.0, 1.0, 0.0]),  # on a grid point: all mass there
    ([1.0], [1.0], [0.0, 0.0, 1.0]),  # on v_max exactly
    ([-1.0], [1.0], [1.0, 0.0, 0.0]),  # on v_min exactly
    ([0.25], [1.0], [0.0, 0.75, 0.25]),  # between: split by distance
    ([-0.5], [1.0], [0.5, 0.5, 0.0]),
    ([5.0], [1.0], [0.0, 0.0, 1.0]),  # clipped at v_max
    ([-7.0], [1.0], [1.0, 0.0, 0.0]),  # clipped at v_min
    ([0.5, 3.0], [0.5, 0.5], [0.0, 0.25, 0.75]),  # a split atom and a clipped one
    ([-1.0, 0.0, 1.0], [0.2, 0.3, 0.5], [0.2, 0.3, 0.5]),  # identity on the grid
])
def test_projection_hand_computed(supports, weights, expected):
    got = categorical.project_distribution(np.array([supports], np.float32),
                                           np.array([weights], np.float32), GRID)
    np.testing.assert_allclose(got.numpy()[0], expected, atol=1e-6)


def test_categorical_target_hand_computed():
    support = np.linspace(0.0, 4.0, 5).astype(np.float32)  # [0, 1, 2, 3, 4]
    next_probs = np.array([[0.0, 1.0, 0.0, 0.0, 0.0],  # all mass on z=1
                           [0.0, 0.0, 0.0, 0.0, 1.0],
                           [0.5, 0.0, 0.0, 0.0, 0.5]], np.float32)
    rewards = np.array([1.0, 1.0, 0.5], np.float32)
    discounts = np.array([0.5, 0.0, 1.0], np.float32)
    got = categorical.categorical_target(rewards, discounts, next_probs, support).numpy()
    # row 0: 1 + 0.5 * 1 = 1.5 -> half on 1, half on 2.
    # row 1: terminal, the target is the reward alone: 1.
    # row 2: 0.5 + {0, 4} -> {0.5 (half to 0, half to 1), 4.5 (clipped to 4)}.
    expected = [[0, 0.5, 0.5, 0, 0], [0, 1, 0, 0, 0], [0.25, 0.25, 0, 0, 0.5]]
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_loss_is_cross_entropy_and_kl_subtracts_target_entropy():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 6)).astype(np.float32)
    target = rng.dirichlet(np.ones(6), 4).astype(np.float32)
    target[0] = [0, 0, 1, 0, 0, 0]  # a one-hot row: 0 log 0 = 0
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    cross_entropy = -(target * log_p).sum(-1)
    entropy = -np.sum(np.where(target > 0, target * np.log(np.maximum(target, 1e-30)), 0), -1)
    np.testing.assert_allclose(categorical.categorical_loss(logits, target), cross_entropy,
                               rtol=1e-5)
    np.testing.assert_allclose(categorical.categorical_kl(logits, target),
                               cross_entropy - entropy, rtol=1e-4, atol=1e-6)


def test_no_gradient_flows_into_the_target():
    logits = tf.Variable(tf.random.normal([2, 5]))
    target_logits = tf.Variable(tf.random.normal([2, 5]))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(categorical.categorical_loss(logits,
                                                          tf.nn.softmax(target_logits)))
    grad_logits, grad_target = tape.gradient(loss, [logits, target_logits])
    assert grad_target is None and np.abs(grad_logits.numpy()).max() > 0
