import numpy as np
import pytest
import tensorflow as tf

from tests.losses.test_vtrace import numpy_vtrace
from tfrainbow import specs
from tfrainbow.agents.impala import ImpalaAgent
from tfrainbow.networks.actor_critic import ActorCriticNetwork
from tfrainbow.networks.encoders import MLPEncoder

ACTIONS = specs.BoundedTensorSpec((), tf.int64, 0, 1)
OBS = tf.TensorSpec([2], tf.float32)


def make_agent(lstm_units=None, **kwargs):
    net = ActorCriticNetwork(MLPEncoder((16,)), num_actions=2, lstm_units=lstm_units)
    return ImpalaAgent(OBS, ACTIONS, net, tf.keras.optimizers.RMSprop(1e-2), **kwargs).initialize()


def random_unroll(rng, T=5, B=3, lstm=None):
    core = () if lstm is None else (tf.zeros([B, lstm]), tf.zeros([B, lstm]))
    return specs.Trajectory(
        observation=rng.normal(size=(T + 1, B, 2)).astype(np.float32),
        first=rng.random((T + 1, B)) < 0.2,
        action=rng.integers(0, 2, (T, B)),
        reward=rng.normal(size=(T, B)).astype(np.float32),
        terminated=rng.random((T, B)) < 0.15,
        truncated=rng.random((T, B)) < 0.2,
        behaviour_logits=rng.normal(size=(T, B, 2)).astype(np.float32),
        core_state=core, truncation_value=rng.normal(size=(T, B)).astype(np.float32))


def log_softmax(x):
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def test_loss_terms_match_an_independent_computation():
    agent, rng = make_agent(discount=0.9, baseline_cost=0.5, entropy_cost=0.01), \
        np.random.default_rng(0)
    unroll = random_unroll(rng, T=8, B=4)
    loss, extra = agent.loss(unroll)
    logits, values, _ = agent.network(unroll.observation, unroll.first, ())
    logits, values = logits.numpy(), values.numpy()
    target_logp = np.take_along_axis(log_softmax(logits[:-1]), unroll.action[..., None],
                                     -1)[..., 0]
    behaviour_logp = np.take_along_axis(log_softmax(unroll.behaviour_logits),
                                        unroll.action[..., None], -1)[..., 0]
    discounts = 0.9 * ~(unroll.terminated | unroll.truncated)
    # A time-limit end (truncated, not terminated) bootstraps from V(final observation).
    time_limit = unroll.truncated & ~unroll.terminated
    assert time_limit.any()
    rewards = unroll.reward + 0.9 * time_limit * unroll.truncation_value
    vs, pg_adv = numpy_vtrace(target_logp - behaviour_logp, discounts, rewards,
                              values[:-1], values[-1], 1.0, 1.0, 1.0)
    pg = -(target_logp * pg_adv).sum()
    baseline = 0.5 * 0.5 * ((vs - values[:-1]) ** 2).sum()
    probs = np.exp(log_softmax(logits[:-1]))
    entropy = 0.01 * (probs * log_softmax(logits[:-1])).sum()
    np.testing.assert_allclose(extra.policy_gradient_loss, pg, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(extra.baseline_loss, baseline, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(extra.entropy_loss, entropy, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(loss, pg + baseline + entropy, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("lstm_units", [None, 8])
def test_gradient_reaches_policy_and_value(lstm_units):
    agent, rng = make_agent(lstm_units), np.random.default_rng(1)
    unroll = random_unroll(rng, lstm=lstm_units)
    with tf.GradientTape(persistent=True) as tape:
        loss, _ = agent.loss(unroll)
    net = agent.network
    for layer in (net.policy_logits, net.baseline) + ((net.core,) if lstm_units else ()):
        for grad in tape.gradient(loss, layer.trainable_variables):
            assert np.abs(grad.numpy()).max() > 0, layer.name
    info = agent.train(unroll)
    assert int(agent.train_step) == 1 and np.isfinite(info.loss)


def test_an_lstm_agent_trains_under_mixed_bfloat16():
    from tfrainbow.networks.precision import precision_scope

    with precision_scope("mixed_bfloat16"):
        agent = make_agent(8)
    rng = np.random.default_rng(2)
    losses = [float(agent.train(random_unroll(rng, lstm=8)).loss) for _ in range(3)]
    assert np.all(np.isfinite(losses)) and int(agent.train_step) == 3
    assert agent.network.core.compute_dtype == "bfloat16"


def test_reward_clipping():
    agent = make_agent(reward_clipping="abs_one", entropy_cost=0.0, baseline_cost=0.0)
    rng = np.random.default_rng(2)
    unroll = random_unroll(rng)
    big = unroll._replace(reward=unroll.reward * 1000)
    clipped = unroll._replace(reward=np.clip(unroll.reward * 1000, -1, 1))
    np.testing.assert_allclose(agent.loss(big)[0], agent.loss(clipped)[0], rtol=1e-6)


def test_learns_a_contextual_bandit_from_a_lagging_behaviour_policy():
    """Reward 1 when the action equals the context bit. The behaviour policy is uniform (as
    if it lagged far behind): V-trace corrects, and the greedy policy becomes right."""
    agent = make_agent(entropy_cost=0.001, greedy_evaluation=True)
    rng = np.random.default_rng(3)
    T, B = 4, 16
    for _ in range(150):
        context = rng.integers(0, 2, (T + 1, B))
        obs = np.stack([context, 1 - context], -1).astype(np.float32)
        action = rng.integers(0, 2, (T, B))
        unroll = specs.Trajectory(
            observation=obs, first=np.ones((T + 1, B), bool), action=action,
            reward=(action == context[:-1]).astype(np.float32),
            terminated=np.ones((T, B), bool), truncated=np.zeros((T, B), bool),
            behaviour_logits=np.zeros((T, B, 2), np.float32))
        agent.train(unroll)
    probe = np.array([[1, 0], [0, 1]], np.float32)  # context 1, context 0
    np.testing.assert_array_equal(agent.policy.action(probe), [1, 0])
    logits, values, _ = agent.network(probe[None])
    probs = tf.nn.softmax(logits[0]).numpy()
    assert probs[0, 1] > 0.9 and probs[1, 0] > 0.9
    np.testing.assert_allclose(values[0], [1.0, 1.0], atol=0.15)  # V = E[r] under pi


def test_sampling_policy_follows_the_softmax():
    agent = make_agent(greedy_evaluation=True)
    obs = np.tile(np.array([[0.3, -0.7]], np.float32), (4000, 1))
    actions, logits, _ = agent.collect_policy.step(obs, np.ones(4000, bool), ())
    p1 = tf.nn.softmax(logits[0]).numpy()[1]
    assert abs(actions.numpy().mean() - p1) < 0.03  # 4000 draws: ~4 sd
    greedy = agent.policy.action(obs[:1]).numpy()[0]
    assert greedy == int(np.argmax(logits[0]))


@pytest.mark.parametrize("lstm_units, jit_compile", [(None, False), (None, True), (6, False)])
def test_compiled_step_acts_as_step(lstm_units, jit_compile):
    agent = make_agent(lstm_units, jit_compile_actor=jit_compile)
    rng = np.random.default_rng(7)
    obs = rng.normal(size=(5, 2)).astype(np.float32)
    first = np.array([True, False, True, False, False])
    state = agent.network.initial_state(5)
    if state:
        state = tuple(tf.constant(rng.normal(size=s.shape).astype(np.float32)) for s in state)
    step = agent.collect_policy.compiled_step(5)
    actions, logits, new_state = step(tf.constant(obs), tf.constant(first), state)
    _, want_logits, want_state = agent.collect_policy.step(obs, first, state)
    np.testing.assert_allclose(logits, want_logits, rtol=1e-5, atol=1e-5)
    for got, want in zip(new_state, want_state):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert actions.shape == (5,) and set(actions.numpy()) <= {0, 1}
    # Sampling from softmax(logits): fresh draws per call.
    draws = np.stack([step(tf.constant(obs), tf.constant(first), state)[0].numpy()
                      for _ in range(20)])
    assert (draws != draws[0]).any()


@pytest.mark.parametrize("rho_bar, c_bar, lam", [(2.0, 0.5, 1.0), (1.0, 0.3, 0.9)])
def test_c_bar_reaches_the_vtrace_targets(rho_bar, c_bar, lam):
    # c_bar != rho_bar (Espeholt et al. 2018, Sec. 4.1: c_bar cuts the traces, rho_bar sets
    # the fixed point): the baseline's targets follow the paper's sum with that c_bar.
    agent = make_agent(discount=0.9, clip_rho_threshold=rho_bar, clip_c_threshold=c_bar,
                       lambda_=lam)
    rng = np.random.default_rng(4)
    unroll = random_unroll(rng, T=8, B=4)._replace(truncation_value=None,
                                                   truncated=np.zeros((8, 4), bool))
    _, extra = agent.loss(unroll)
    logits, values, _ = agent.network(unroll.observation, unroll.first, ())
    logits, values = logits.numpy(), values.numpy()
    logp = np.take_along_axis(log_softmax(logits[:-1]), unroll.action[..., None], -1)[..., 0]
    behaviour = np.take_along_axis(log_softmax(unroll.behaviour_logits),
                                   unroll.action[..., None], -1)[..., 0]
    discounts = 0.9 * ~unroll.terminated
    vs, _ = numpy_vtrace(logp - behaviour, discounts, unroll.reward, values[:-1], values[-1],
                         rho_bar, 1.0, lam, c_bar=c_bar)
    expected = 0.5 * 0.5 * ((vs - values[:-1]) ** 2).sum()
    np.testing.assert_allclose(extra.baseline_loss, expected, rtol=1e-4, atol=1e-5)
    vs_default, _ = numpy_vtrace(logp - behaviour, discounts, unroll.reward, values[:-1],
                                 values[-1], rho_bar, 1.0, lam)
    assert not np.allclose(vs, vs_default)  # c_bar matters on these inputs


def test_evaluation_samples_from_pi_by_default_and_greedy_is_one_switch():
    # The paper's scores (scalable_agent's test mode) sample from pi.
    agent = make_agent()
    assert agent.policy.kind == "sampled" and agent.collect_policy.kind == "sampled"
    obs = np.tile(np.array([[0.3, -0.7]], np.float32), (4000, 1))
    logits, _, _ = agent.network(obs[:1][None])
    p1 = tf.nn.softmax(logits[0, 0]).numpy()[1]
    assert 0.05 < p1 < 0.95  # a policy whose samples and argmax differ
    assert abs(agent.policy.action(obs).numpy().mean() - p1) < 0.03
    greedy = make_agent(greedy_evaluation=True)
    assert greedy.policy.kind == "greedy"
