"""Prioritized replay's importance sampling (Schaul et al. 2016, Sec. 3.4): the weights that
correct for sampling by priority, and the annealed exponent beta."""
import tensorflow as tf


def importance_weights(probabilities, table_size, beta):
    """w_i = (N P(i))^-beta / max_j w_j over the batch (Schaul et al. 2016, Sec. 3.4).

    probabilities: [B] sampling probabilities P(i); table_size: N ([B] or scalar).
    """
    n_p = tf.cast(table_size, tf.float64) * tf.cast(probabilities, tf.float64)
    weights = tf.pow(n_p, -tf.cast(beta, tf.float64))
    return tf.cast(weights / tf.reduce_max(weights), tf.float32)


def annealed_beta(step, beta0: float, anneal_steps: int, beta_final: float = 1.0):
    """beta linearly from beta0 to beta_final (1: Schaul et al.) over `anneal_steps`
    updates, then beta_final (anneal_steps <= 0: beta_final from the start). beta_final =
    beta0 keeps it constant (Dopamine's Rainbow: 0.5, the 1 / sqrt(P) weights)."""
    if anneal_steps <= 0:
        return tf.constant(float(beta_final))
    fraction = tf.minimum(tf.cast(step, tf.float32) / float(anneal_steps), 1.0)
    return beta0 + fraction * (beta_final - beta0)
