"""IMPALA's loss terms (Espeholt et al. 2018, Sec. 4.2), summed over time and batch as in the
paper's implementation, whose hyper-parameters (e.g. RMSProp lr 6e-4) assume sums."""
import tensorflow as tf


def policy_gradient_loss(logits, actions, advantages):
    """-sum_t,b log pi(a_t|x_t) A_t: logits [T, B, A], actions [T, B], advantages [T, B]."""
    log_probs = -tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(actions, tf.int32), logits=logits)  # [T, B]
    return -tf.reduce_sum(log_probs * tf.stop_gradient(advantages))


def baseline_loss(errors):
    """0.5 sum_t,b (v_t - V(x_t))^2 for errors [T, B] = vs - values."""
    return 0.5 * tf.reduce_sum(tf.square(errors))


def entropy_loss(logits):
    """-sum_t,b H(pi(.|x_t)) = sum pi log pi: minimising it raises the policy's entropy."""
    log_policy = tf.nn.log_softmax(logits, axis=-1)
    return tf.reduce_sum(tf.exp(log_policy) * log_policy)
