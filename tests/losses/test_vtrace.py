"""V-trace against a slow numpy version of the paper's sum (eq. 1), not its recursion."""
import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.losses import vtrace


def numpy_vtrace(log_rhos, discounts, rewards, values, bootstrap, rho_bar, pg_rho_bar, lam,
                 c_bar=1.0):
    """v_s = V(x_s) + sum_{t>=s} (prod_{k=s}^{t-1} gamma_k c_k) delta_t, term by term."""
    T, B = rewards.shape
    rhos = np.exp(log_rhos)
    clipped = np.minimum(rho_bar, rhos) if rho_bar is not None else rhos
    cs = lam * np.minimum(c_bar, rhos)
    values_next = np.concatenate([values[1:], bootstrap[None]], axis=0)
    vs = np.zeros((T, B))
    for b in range(B):
        for s in range(T):
            total = values[s, b]
            for t in range(s, T):
                weight = 1.0
                for k in range(s, t):  # gamma^{t-s} prod c_i, with per-step discounts
                    weight *= discounts[k, b] * cs[k, b]
                delta = clipped[t, b] * (rewards[t, b] + discounts[t, b] * values_next[t, b]
                                         - values[t, b])
                total += weight * delta
            vs[s, b] = total
    vs_next = np.concatenate([vs[1:], bootstrap[None]], axis=0)
    pg_clipped = np.minimum(pg_rho_bar, rhos) if pg_rho_bar is not None else rhos
    return vs, pg_clipped * (rewards + discounts * vs_next - values)


def random_inputs(rng, T=7, B=3):
    return dict(log_rhos=rng.normal(0, 0.8, (T, B)),
                discounts=0.9 * (rng.random((T, B)) > 0.15),  # some episode ends
                rewards=rng.normal(size=(T, B)), values=rng.normal(size=(T, B)),
                bootstrap=rng.normal(size=B))


@pytest.mark.parametrize("rho_bar, pg_rho_bar, lam", [
    (1.0, 1.0, 1.0), (2.0, 1.5, 1.0), (1.0, 1.0, 0.9), (None, None, 1.0)])
def test_matches_the_papers_sum_on_random_inputs(rho_bar, pg_rho_bar, lam):
    inputs = random_inputs(np.random.default_rng(0))
    expected_vs, expected_pg = numpy_vtrace(**inputs, rho_bar=rho_bar, pg_rho_bar=pg_rho_bar,
                                            lam=lam)
    got = vtrace.from_importance_weights(
        inputs["log_rhos"], inputs["discounts"], inputs["rewards"], inputs["values"],
        inputs["bootstrap"], clip_rho_threshold=rho_bar, clip_pg_rho_threshold=pg_rho_bar,
        lambda_=lam)
    np.testing.assert_allclose(got.vs, expected_vs, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got.pg_advantages, expected_pg, rtol=1e-5, atol=1e-5)


def test_on_policy_is_the_n_step_bellman_target():
    # rho = 1 everywhere, no clipping: v_s = sum_k gamma^k r_s+k + gamma^(T-s) V(x_T), with a
    # terminal (discount 0) cutting the sum.
    rng = np.random.default_rng(1)
    T, B, gamma = 6, 2, 0.9
    rewards, values = rng.normal(size=(T, B)), rng.normal(size=(T, B))
    bootstrap = rng.normal(size=B)
    discounts = np.full((T, B), gamma)
    discounts[3, 1] = 0.0  # episode 1 terminates at t = 3
    got = vtrace.from_importance_weights(np.zeros((T, B)), discounts, rewards, values,
                                         bootstrap, clip_rho_threshold=None,
                                         clip_pg_rho_threshold=None)
    for b in range(B):
        for s in range(T):
            target, weight = 0.0, 1.0
            for t in range(s, T):
                target += weight * rewards[t, b]
                weight *= discounts[t, b]
            target += weight * bootstrap[b]
            np.testing.assert_allclose(got.vs[s, b], target, rtol=1e-5)


def test_hand_computed_two_steps():
    # T = 2, B = 1, gamma 0.5, rhos = (2, 0.5) -> clipped rho = (1, 0.5), c = (1, 0.5).
    # V = (1, 2), bootstrap 4, r = (1, 1).
    # delta_1 = 0.5 (1 + 0.5*4 - 2) = 0.5;  v_1 = 2 + 0.5 = 2.5
    # delta_0 = 1 (1 + 0.5*2 - 1) = 1;      v_0 = 1 + 1 + 0.5*1*(v_1 - V_1) = 2.25
    # pg_0 = min(1, 2) (1 + 0.5*2.5 - 1) = 1.25;  pg_1 = 0.5 (1 + 0.5*4 - 2) = 0.5
    got = vtrace.from_importance_weights(np.log([[2.0], [0.5]]), [[0.5], [0.5]],
                                         [[1.0], [1.0]], [[1.0], [2.0]], [4.0])
    np.testing.assert_allclose(got.vs, [[2.25], [2.5]], rtol=1e-6)
    np.testing.assert_allclose(got.pg_advantages, [[1.25], [0.5]], rtol=1e-6)


def test_from_logits_gives_the_log_ratio_of_the_taken_actions():
    rng = np.random.default_rng(2)
    T, B, A = 4, 3, 5
    behaviour, target = rng.normal(size=(T, B, A)), rng.normal(size=(T, B, A))
    actions = rng.integers(0, A, (T, B))
    inputs = random_inputs(rng, T, B)
    got = vtrace.from_logits(behaviour, target, actions, inputs["discounts"], inputs["rewards"],
                             inputs["values"], inputs["bootstrap"])

    def log_softmax(x):
        return x - np.log(np.exp(x).sum(-1, keepdims=True))

    taken = np.take_along_axis
    expected = (taken(log_softmax(target), actions[..., None], -1)[..., 0]
                - taken(log_softmax(behaviour), actions[..., None], -1)[..., 0])
    np.testing.assert_allclose(got.log_rhos, expected, rtol=1e-5, atol=1e-6)
    direct = vtrace.from_importance_weights(expected, inputs["discounts"], inputs["rewards"],
                                            inputs["values"], inputs["bootstrap"])
    np.testing.assert_allclose(got.vs, direct.vs, rtol=1e-5, atol=1e-6)


def test_no_gradient_flows_through_the_targets():
    values = tf.Variable(tf.random.normal([3, 2]))
    with tf.GradientTape() as tape:
        returns = vtrace.from_importance_weights(tf.zeros([3, 2]), tf.fill([3, 2], 0.9),
                                                 tf.ones([3, 2]), values, tf.zeros([2]))
        total = tf.reduce_sum(returns.vs) + tf.reduce_sum(returns.pg_advantages)
    assert tape.gradient(total, values) is None
