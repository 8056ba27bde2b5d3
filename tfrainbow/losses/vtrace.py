"""V-trace off-policy targets (Espeholt et al. 2018, "IMPALA", Sec. 4).

    v_s = V(x_s) + sum_{t=s}^{s+n-1} gamma^{t-s} (prod_{i=s}^{t-1} c_i) delta_t V      (eq. 1)
    delta_t V = rho_t (r_t + gamma V(x_t+1) - V(x_t)),
    rho_t = min(rho_bar, pi(a_t|x_t) / mu(a_t|x_t)),  c_i = lambda min(c_bar, pi / mu),

computed by its recursion v_s - V(x_s) = delta_s V + gamma c_s (v_s+1 - V(x_s+1)) (Remark 1)
backwards over the unroll, and the policy-gradient advantage (Sec. 4.2)

    rho^pg_s (r_s + gamma v_s+1 - V(x_s)),   rho^pg_s = min(rho_bar_pg, pi / mu).

All inputs are time-major [T, B]; `discounts` carry gamma and the episode ends (0 where the
episode terminated at step t). Neither output carries a gradient.
"""
from typing import NamedTuple

import tensorflow as tf


class VTraceReturns(NamedTuple):
    vs: tf.Tensor  # [T, B] V-trace value targets
    pg_advantages: tf.Tensor  # [T, B] advantages for the policy gradient


class VTraceFromLogitsReturns(NamedTuple):
    vs: tf.Tensor
    pg_advantages: tf.Tensor
    log_rhos: tf.Tensor  # [T, B] log pi(a|x) - log mu(a|x)
    behaviour_action_log_probs: tf.Tensor  # [T, B]
    target_action_log_probs: tf.Tensor  # [T, B]


def from_importance_weights(log_rhos, discounts, rewards, values, bootstrap_value,
                            clip_rho_threshold=1.0, clip_pg_rho_threshold=1.0,
                            lambda_=1.0, clip_c_threshold=1.0) -> VTraceReturns:
    """V-trace targets and advantages from log importance weights.

    Args:
      log_rhos: [T, B] log(pi(a_t|x_t) / mu(a_t|x_t)).
      discounts: [T, B] gamma_t, 0 where the episode terminated at step t.
      rewards: [T, B] r_t.
      values: [T, B] V(x_t) under the target (learner) policy's value function.
      bootstrap_value: [B] V(x_T).
      clip_rho_threshold: rho_bar (None: no clipping); clip_pg_rho_threshold: rho_bar for the
        policy-gradient advantage; clip_c_threshold: c_bar; lambda_: trace-cutting lambda.
    Returns:
      VTraceReturns(vs [T, B], pg_advantages [T, B]), both without gradient.
    """
    log_rhos, discounts, rewards, values, bootstrap_value = (
        tf.cast(x, tf.float32) for x in (log_rhos, discounts, rewards, values, bootstrap_value))
    rhos = tf.exp(log_rhos)
    clipped_rhos = rhos if clip_rho_threshold is None else tf.minimum(clip_rho_threshold, rhos)
    cs = lambda_ * (rhos if clip_c_threshold is None else tf.minimum(clip_c_threshold, rhos))
    values_next = tf.concat([values[1:], bootstrap_value[None]], axis=0)  # V(x_t+1) [T, B]
    deltas = clipped_rhos * (rewards + discounts * values_next - values)  # delta_t V

    def backward(acc, step):  # acc: v_t+1 - V(x_t+1)
        delta, discount, c = step
        return delta + discount * c * acc

    vs_minus_values = tf.scan(backward, (deltas, discounts, cs),
                              initializer=tf.zeros_like(bootstrap_value), reverse=True)
    vs = vs_minus_values + values
    vs_next = tf.concat([vs[1:], bootstrap_value[None]], axis=0)  # v_t+1 [T, B]
    clipped_pg_rhos = (rhos if clip_pg_rho_threshold is None
                       else tf.minimum(clip_pg_rho_threshold, rhos))
    pg_advantages = clipped_pg_rhos * (rewards + discounts * vs_next - values)
    return VTraceReturns(tf.stop_gradient(vs), tf.stop_gradient(pg_advantages))


def action_log_probs(logits, actions):
    """log softmax(logits)[action]: logits [T, B, A], actions [T, B] -> [T, B]."""
    return -tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(actions, tf.int32),
                                                           logits=logits)


def from_logits(behaviour_policy_logits, target_policy_logits, actions, discounts, rewards,
                values, bootstrap_value, **kwargs) -> VTraceFromLogitsReturns:
    """V-trace from behaviour (actor) and target (learner) policy logits [T, B, A] and the
    actions taken [T, B]; the other arguments as in `from_importance_weights`."""
    behaviour = action_log_probs(behaviour_policy_logits, actions)
    target = action_log_probs(target_policy_logits, actions)
    log_rhos = target - behaviour
    returns = from_importance_weights(log_rhos, discounts, rewards, values, bootstrap_value,
                                      **kwargs)
    return VTraceFromLogitsReturns(returns.vs, returns.pg_advantages, log_rhos, behaviour,
                                   target)
