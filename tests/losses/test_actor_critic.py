import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.losses import actor_critic

LOG2 = np.log(2.0)


# Rows: logits [T=1, B, A], actions, advantages -> -sum log pi(a) A (hand-computed).
@pytest.mark.parametrize("logits, actions, advantages, expected", [
    ([[[0.0, 0.0]]], [[0]], [[2.0]], 2 * LOG2),  # uniform: log pi = -log 2
    ([[[0.0, 0.0], [np.log(3.0), 0.0]]], [[1, 0]], [[1.0, -1.0]],
     LOG2 + np.log(0.75)),  # pi(0) = 3/4 in the second column, advantage -1
])
def test_policy_gradient_loss_hand_computed(logits, actions, advantages, expected):
    got = actor_critic.policy_gradient_loss(tf.constant(logits), actions,
                                            tf.constant(advantages))
    assert float(got) == pytest.approx(expected, rel=1e-5)


def test_baseline_and_entropy_hand_computed():
    assert float(actor_critic.baseline_loss(tf.constant([[1.0, -2.0]]))) == pytest.approx(2.5)
    # Uniform over 2 actions: H = log 2, so the loss (negative entropy) is -log 2 per step.
    got = actor_critic.entropy_loss(tf.zeros([3, 1, 2]))
    assert float(got) == pytest.approx(-3 * LOG2, rel=1e-6)
    # A deterministic policy has no entropy.
    assert float(actor_critic.entropy_loss(tf.constant([[[100.0, -100.0]]]))) == pytest.approx(
        0.0, abs=1e-6)


def test_no_gradient_through_the_advantages():
    logits, advantages = tf.Variable(tf.zeros([1, 1, 2])), tf.Variable([[1.0]])
    with tf.GradientTape() as tape:
        loss = actor_critic.policy_gradient_loss(logits, [[0]], advantages)
    grad_logits, grad_adv = tape.gradient(loss, [logits, advantages])
    assert grad_adv is None
    np.testing.assert_allclose(grad_logits[0, 0], [-0.5, 0.5])  # -(onehot - softmax) * A
