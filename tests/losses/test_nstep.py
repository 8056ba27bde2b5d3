import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.losses import nstep, q_learning

G = 0.9


@pytest.mark.parametrize("rewards, terminated, valid, expected_return, expected_discount", [
    # plain 3-step window: 1 + .9 * 2 + .81 * 3, bootstrap gamma^3
    ([1, 2, 3], [0, 0, 0], [1, 1, 1], 1 + G * 2 + G * G * 3, G ** 3),
    # terminal at the second step: the third reward (next episode) is cut, no bootstrap
    ([1, 2, 3], [0, 1, 0], [1, 1, 1], 1 + G * 2, 0.0),
    # terminal at the first step
    ([5, 2, 3], [1, 0, 0], [1, 1, 1], 5.0, 0.0),
    # terminal on the last step of the window
    ([1, 1, 1], [0, 0, 1], [1, 1, 1], 1 + G + G * G, 0.0),
    # truncated after two steps: padding; bootstrap from s_t+2 with gamma^2
    ([1, 2, 0], [0, 0, 0], [1, 1, 0], 1 + G * 2, G ** 2),
    # one-step (n_step off)
    ([4], [0], [1], 4.0, G),
])
def test_n_step_return_hand_computed(rewards, terminated, valid, expected_return,
                                     expected_discount):
    discounts = nstep.step_discounts(np.array(terminated), G, np.array(valid))
    ret, disc = nstep.n_step_return(np.array(rewards, np.float32), discounts)
    np.testing.assert_allclose(ret, expected_return, rtol=1e-6)
    np.testing.assert_allclose(disc, expected_discount, rtol=1e-6)


def test_n_step_return_matches_a_loop_on_random_windows():
    rng = np.random.default_rng(0)
    rewards = rng.normal(size=(64, 5)).astype(np.float32)
    terminated = rng.random((64, 5)) < 0.2
    got_ret, got_disc = nstep.n_step_return(rewards, nstep.step_discounts(terminated, G))
    for b in range(64):
        ret, disc = 0.0, 1.0
        for k in range(5):
            ret += disc * rewards[b, k]
            disc = 0.0 if terminated[b, k] else disc * G
        np.testing.assert_allclose(got_ret[b], ret, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got_disc[b], disc, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("x, delta, expected", [
    (0.5, 1.0, 0.125), (-0.5, 1.0, 0.125), (3.0, 1.0, 2.5), (-3.0, 2.0, 4.0), (0.0, 1.0, 0.0)])
def test_huber_loss(x, delta, expected):
    np.testing.assert_allclose(q_learning.huber_loss(tf.constant(x), delta), expected)


def test_td_error_holds_the_target_fixed():
    q = tf.Variable([1.0, 2.0])
    bootstrap = tf.Variable([3.0, 4.0])
    with tf.GradientTape() as tape:
        td = q_learning.td_error(q, tf.constant([1.0, 0.0]), tf.constant([0.5, 0.0]), bootstrap)
        loss = tf.reduce_sum(td)
    np.testing.assert_allclose(td, [1 + 0.5 * 3 - 1, 0 - 2])
    grad_q, grad_bootstrap = tape.gradient(loss, [q, bootstrap])
    np.testing.assert_allclose(grad_q, [-1, -1])
    assert grad_bootstrap is None


def test_window_return_formula():
    assert nstep.window_return([1, 2, 3], 0.9, False) == pytest.approx((1 + 1.8 + 2.43, 0.729))
    assert nstep.window_return([1, 2], 0.9, True) == pytest.approx((2.8, 0.0))
    # against the TF form of the same return
    ret, discount = nstep.n_step_return([[1.0, 2.0, 3.0]], nstep.step_discounts([[0, 0, 0]], 0.9))
    assert nstep.window_return([1, 2, 3], 0.9, False) == pytest.approx(
        (float(ret[0]), float(discount[0])), rel=1e-6)
