"""Distributional (C51) math of Bellemare et al. 2017: the projection Phi_z and the loss."""
import tensorflow as tf


def project_distribution(supports, weights, target_support):
    """Projects the distribution sum_i weights_i delta(supports_i) onto target_support.

    The C51 projection Phi_z (Bellemare et al. 2017, eq. 7):
        (Phi T z)_j = sum_i clip(1 - |clip(z'_i, v_min, v_max) - z_j| / dz, 0, 1) p_i
    so each atom's mass goes to its two neighbouring grid points in proportion to closeness,
    all of it to z_j when it lands exactly on z_j, and to the end atom when clipped.

    Args:
      supports: [B, N] atom locations z'_i of the source distributions (e.g. r + gamma^n z).
      weights: [B, N] their probabilities p_i.
      target_support: [K] evenly spaced grid z_0 = v_min < ... < z_K-1 = v_max, K >= 2.
    Returns:
      [B, K] probabilities on target_support (each row sums to sum_i weights_i).
    """
    target_support = tf.convert_to_tensor(target_support, tf.float32)
    num_target = target_support.shape[0]
    if num_target is not None and num_target < 2:
        raise ValueError(f"project_distribution needs a target support of >= 2 atoms, "
                         f"got {num_target}.")
    v_min, v_max = target_support[0], target_support[-1]
    delta_z = target_support[1] - target_support[0]
    clipped = tf.clip_by_value(tf.cast(supports, tf.float32), v_min, v_max)  # [B, N]
    distance = tf.abs(clipped[:, None, :] - target_support[None, :, None])  # [B, K, N]
    share = tf.clip_by_value(1.0 - distance / delta_z, 0.0, 1.0)  # [B, K, N]
    return tf.reduce_sum(share * tf.cast(weights, tf.float32)[:, None, :], axis=-1)  # [B, K]


def categorical_target(rewards, discounts, next_probabilities, support):
    """Projected distributional Bellman target Phi_z(R^(n) + gamma^(n) z) (Rainbow eq. 3).

    rewards, discounts: [B] (discount 0 where the episode terminated); next_probabilities:
    [B, N] of the target network at the bootstrap action; support: [N]. Returns [B, N].
    """
    supports = rewards[:, None] + discounts[:, None] * support[None, :]  # [B, N]
    return project_distribution(supports, next_probabilities, support)


def categorical_loss(logits, target_probabilities):
    """Per-sample cross-entropy -sum_i m_i log p_i(s, a) between target m and softmax(logits).

    logits, target_probabilities: [B, N]; returns [B]. No gradient flows into the target.
    It differs from KL(m || p) only by the target's entropy, a constant for the gradient.
    """
    target = tf.stop_gradient(target_probabilities)
    return tf.nn.softmax_cross_entropy_with_logits(labels=target, logits=logits)


def categorical_kl(logits, target_probabilities):
    """Per-sample KL(m || p) [B]: the priority Rainbow uses for replay (Hessel et al. 2018)."""
    target = tf.stop_gradient(target_probabilities)
    entropy_term = tf.reduce_sum(tf.math.xlogy(target, target), axis=-1)  # -H(m)
    return categorical_loss(logits, target) + entropy_term
