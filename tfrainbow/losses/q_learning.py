"""Scalar Q-learning math: the (n-step, double) TD error and the Huber loss of DQN."""
import tensorflow as tf


def td_error(q, rewards, discounts, bootstrap_q):
    """y - Q(s, a) with y = R^(n) + gamma^(n) Q_target(s', a*) held fixed; all [B] -> [B].

    a* is argmax_a Q_online(s', a) with double Q-learning (van Hasselt et al. 2016, eq. 4),
    argmax_a Q_target(s', a) without; the caller picks it."""
    target = tf.stop_gradient(rewards + discounts * bootstrap_q)
    return target - q


def huber_loss(x, delta: float = 1.0):
    """0.5 x^2 for |x| <= delta, delta (|x| - 0.5 delta) beyond (Mnih et al. 2015's clipping)."""
    abs_x = tf.abs(x)
    quadratic = tf.minimum(abs_x, delta)
    return 0.5 * tf.square(quadratic) + delta * (abs_x - quadratic)
