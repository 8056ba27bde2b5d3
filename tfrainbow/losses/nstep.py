"""Multi-step returns (Sutton 1988; Rainbow eq. 2): R_t^(n) = sum_k gamma_t^(k) r_t+k+1."""
import numpy as np
import tensorflow as tf


def step_discounts(terminated, gamma, valid=None):
    """Per-step discounts d_k for a window: gamma where the episode goes on, 0 at a terminal
    step (no bootstrap past it), 1 on padding past the window's end (a truncated episode)."""
    terminated = tf.cast(terminated, tf.float32)
    discounts = gamma * (1.0 - terminated)
    if valid is not None:
        discounts = tf.where(tf.cast(valid, tf.bool), discounts, tf.ones_like(discounts))
    return discounts


def n_step_return(rewards, discounts):
    """Discounted n-step return and its bootstrap discount over the last axis.

        R = sum_k (prod_{j<k} d_j) r_k,      gamma^(n) = prod_k d_k

    Args:
      rewards: [..., n] rewards r_t+1 .. r_t+n (0 on padding).
      discounts: [..., n] per-step discounts from `step_discounts`.
    Returns:
      (R [...], gamma^(n) [...]); the target is R + gamma^(n) * value(s_t+n).
    """
    rewards = tf.convert_to_tensor(rewards, tf.float32)
    discounts = tf.convert_to_tensor(discounts, tf.float32)
    weights = tf.math.cumprod(discounts, axis=-1, exclusive=True)  # prod_{j<k} d_j
    return tf.reduce_sum(weights * rewards, axis=-1), tf.reduce_prod(discounts, axis=-1)


def window_return(rewards, gamma: float, terminated: bool):
    """(R, gamma^(m)) of one window of m rewards: sum_k gamma^k r_k, and 0 or gamma^m.

    The same quantity as `n_step_return` below, in numpy: the replay writer calls it in the
    actor's per-step loop, where a TF op per step would cost more than the step."""
    rewards = np.asarray(rewards, np.float64)
    ret = float(np.dot(gamma ** np.arange(len(rewards)), rewards))
    return ret, 0.0 if terminated else float(gamma ** len(rewards))
