import numpy as np
import pytest
import tensorflow as tf

from tests.agents import chain_mdp
from tfrainbow import specs
from tfrainbow.agents.rainbow import RainbowAgent
from tfrainbow.networks.encoders import MLPEncoder
from tfrainbow.networks.precision import precision_scope
from tfrainbow.networks.q_networks import RainbowNetwork

ACTION_SPEC = specs.BoundedTensorSpec((), tf.int64, 0, 1)


def linear_agent(double, **kwargs):
    """Q(s) = s W + b on one-hot s: Q-tables we can write by hand."""
    net = RainbowNetwork(MLPEncoder(()), num_actions=2, hidden_units=(), dueling=False,
                         noisy=False, distributional=False)
    return RainbowAgent(tf.TensorSpec([2], tf.float32), ACTION_SPEC, net,
                        tf.keras.optimizers.SGD(0.0), double=double,
                        target_update_period=1000, **kwargs).initialize()


def set_q_table(network, table):
    kernel, bias = network.head.trainable_variables
    kernel.assign(np.array(table, np.float32))
    bias.assign(np.zeros(2, np.float32))


# Online Q(s0) = [2, 0], Q(s1) = [1, 3]; target Q(s1) = [10, 0]. Transition (s0, a=0, r=1,
# discount 0.5, s1). Double: a* = argmax online Q(s1) = 1, valued by the target: 0, so
# y = 1 + 0.5 * 0 = 1 and TD = 1 - 2 = -1. Without double: y = 1 + 0.5 * max(10, 0) = 6, TD = 4.
@pytest.mark.parametrize("double, expected_td", [(True, -1.0), (False, 4.0)])
def test_double_q_target_hand_computed(double, expected_td):
    agent = linear_agent(double)
    set_q_table(agent.network, [[99, 99], [10, 0]])  # becomes the target's table
    agent._sync_target()
    set_q_table(agent.network, [[2, 0], [1, 3]])
    experience = specs.Transition(np.array([[1, 0]], np.float32), np.array([0]),
                                  np.array([1.0], np.float32), np.array([0.5], np.float32),
                                  np.array([[0, 1]], np.float32))
    info = agent.train(experience)
    np.testing.assert_allclose(info.extra.priorities, [abs(expected_td)], rtol=1e-6)
    huber = 0.5 * expected_td ** 2 if abs(expected_td) <= 1 else abs(expected_td) - 0.5
    np.testing.assert_allclose(info.loss, huber, rtol=1e-6)


def small_agent(**kwargs):
    net = RainbowNetwork(MLPEncoder((16,)), num_actions=2, num_atoms=11, v_min=-2, v_max=2,
                         hidden_units=(16,))
    return RainbowAgent(tf.TensorSpec([4], tf.float32), ACTION_SPEC, net,
                        tf.keras.optimizers.Adam(1e-3), **kwargs).initialize()


def random_batch(rng, size=8):
    return specs.Transition(rng.normal(size=(size, 4)).astype(np.float32),
                            rng.integers(0, 2, size), rng.normal(size=size).astype(np.float32),
                            np.full(size, 0.9, np.float32),
                            rng.normal(size=(size, 4)).astype(np.float32))


def test_train_traces_once_for_a_fixed_batch_shape():
    agent, rng = small_agent(), np.random.default_rng(0)
    for i in range(6):
        weights = None if i % 2 else rng.uniform(0.1, 1, 8).astype(np.float32)
        agent.train(random_batch(rng), weights)
    assert agent.train_trace_count == 1
    assert int(agent.train_step) == 6


def test_importance_weights_scale_the_per_sample_loss():
    agent, rng = small_agent(), np.random.default_rng(1)
    weights = rng.uniform(0.1, 1.0, 8).astype(np.float32)
    info = agent.train(random_batch(rng), weights)
    np.testing.assert_allclose(info.loss, np.mean(weights * info.extra.per_sample_loss.numpy()),
                               rtol=1e-5)
    assert info.extra.priorities.shape == (8,)
    assert np.all(info.extra.priorities.numpy() >= 0)


def test_target_network_syncs_every_period():
    agent, rng = small_agent(target_update_period=3), np.random.default_rng(2)

    def synced():
        return all(np.array_equal(t.numpy(), o.numpy())
                   for t, o in zip(agent.target_network.variables, agent.network.variables))

    assert synced()  # initialize() copies the online weights
    history = []
    for _ in range(6):
        agent.train(random_batch(rng))
        history.append(synced())
    assert history == [False, False, True, False, False, True]


def test_policies_greedy_is_deterministic_and_collect_explores():
    agent = small_agent()
    obs = np.random.default_rng(3).normal(size=(64, 4)).astype(np.float32)
    np.testing.assert_array_equal(agent.policy.action(obs), agent.policy.action(obs))
    greedy = np.argmax(agent.network.q_values(agent.network(obs)).numpy(), axis=-1)
    np.testing.assert_array_equal(agent.policy.action(obs), greedy)
    noisy = [agent.collect_policy.action(obs).numpy() for _ in range(10)]
    assert any(not np.array_equal(noisy[0], other) for other in noisy[1:])


def test_epsilon_greedy_collect_policy_when_not_noisy():
    net = RainbowNetwork(MLPEncoder((8,)), num_actions=2, noisy=False, hidden_units=(8,))
    agent = RainbowAgent(tf.TensorSpec([4], tf.float32), ACTION_SPEC, net,
                         tf.keras.optimizers.Adam(1e-3), epsilon_greedy=0.1,
                         epsilon_decay_period=10).initialize()
    np.testing.assert_allclose(agent.collect_epsilon(), 1.0)
    agent.train_step.assign(5)
    np.testing.assert_allclose(agent.collect_epsilon(), 0.55, rtol=1e-6)
    agent.train_step.assign(50)
    np.testing.assert_allclose(agent.collect_epsilon(), 0.1, rtol=1e-6)
    agent.train_step.assign(0)  # epsilon 1: uniform over both actions
    actions = agent.collect_policy.action(np.zeros((2000, 4), np.float32)).numpy()
    assert 0.45 < actions.mean() < 0.55


def test_epsilon_on_top_of_the_noisy_collect_policy_only_when_asked():
    obs = np.zeros((4000, 4), np.float32)  # one state: the noisy policy alone rarely varies
    plain = small_agent(epsilon_greedy=1.0)
    assert plain.collect_policy.noisy  # the noise alone, epsilon unused
    explore = small_agent(epsilon_greedy=1.0, epsilon_with_noisy=True)
    assert explore.collect_policy.policy.noisy  # epsilon-greedy over the noisy policy
    actions = explore.collect_policy.action(obs).numpy()
    assert 0.46 < actions.mean() < 0.54  # epsilon 1: uniform over both actions


@pytest.mark.parametrize("jit_compile", [False, True])
def test_compiled_action_acts_as_action(jit_compile):
    net = RainbowNetwork(MLPEncoder((16,)), num_actions=2, num_atoms=11, v_min=-2, v_max=2,
                         hidden_units=(16,), sigma0=0.0)  # noisy layers, zero noise
    agent = RainbowAgent(tf.TensorSpec([4], tf.float32), ACTION_SPEC, net,
                         tf.keras.optimizers.Adam(1e-3),
                         jit_compile_actor=jit_compile).initialize()
    obs = np.random.default_rng(4).normal(size=(64, 4)).astype(np.float32)
    act = agent.collect_policy.compiled_action(64)
    np.testing.assert_array_equal(act(tf.constant(obs)), agent.policy.action(obs))
    # Noise is drawn per call inside the compiled function too.
    noisy = small_agent(jit_compile_actor=jit_compile).collect_policy.compiled_action(64)
    draws = [noisy(tf.constant(obs)).numpy() for _ in range(10)]
    assert any(not np.array_equal(draws[0], other) for other in draws[1:])


@pytest.mark.parametrize("jit_compile", [False, True])
def test_compiled_epsilon_greedy_reads_the_schedule_at_call_time(jit_compile):
    net = RainbowNetwork(MLPEncoder((8,)), num_actions=2, noisy=False, hidden_units=(8,))
    agent = RainbowAgent(tf.TensorSpec([4], tf.float32), ACTION_SPEC, net,
                         tf.keras.optimizers.Adam(1e-3), epsilon_greedy=0.1,
                         epsilon_decay_period=10, jit_compile_actor=jit_compile).initialize()
    obs = np.random.default_rng(5).normal(size=(2000, 4)).astype(np.float32)
    act = agent.collect_policy.compiled_action(2000)
    greedy = agent.policy.action(obs).numpy()
    agree_at_1 = (act(tf.constant(obs)).numpy() == greedy).mean()  # epsilon 1: ~ 1/2
    agent.train_step.assign(50)  # epsilon 0.1: ~ 0.9 + 0.1 / 2
    agree_at_01 = (act(tf.constant(obs)).numpy() == greedy).mean()
    assert 0.45 < agree_at_1 < 0.55 and 0.93 < agree_at_01 < 0.97


@pytest.mark.parametrize("kwargs, words", [
    (dict(target_update_period=0), "target_update_period"), (dict(epsilon_greedy=2.0), "epsilon"),
    # gamma and n_step live on ReplayConfig (the writer uses them): the old names say so.
    (dict(gamma=0.99), "ReplayConfig.gamma"), (dict(n_step=3), "ReplayConfig.n_step")])
def test_invalid_hyper_parameters_raise(kwargs, words):
    with pytest.raises(ValueError) as error:
        small_agent(**kwargs)
    assert words in str(error.value).splitlines()[0]


@pytest.mark.parametrize("kwargs, words", [
    (dict(gamma=1.5), "gamma"), (dict(n_step=0), "n_step"), (dict(envs_per_actor=0), "envs"),
    (dict(publish_period=0), "publish_period"), (dict(pull_period=0), "pull_period")])
def test_invalid_replay_settings_raise(kwargs, words):
    from tfrainbow.builders import ReplayConfig

    with pytest.raises(ValueError) as error:
        ReplayConfig(**kwargs)
    assert words in str(error.value).splitlines()[0]


def test_network_and_action_spec_must_agree():
    net = RainbowNetwork(MLPEncoder((8,)), num_actions=3)
    with pytest.raises(ValueError, match="num_actions=2"):
        RainbowAgent(tf.TensorSpec([4], tf.float32), ACTION_SPEC, net,
                     tf.keras.optimizers.Adam(1e-3))


GAMMA = 0.9
COMPONENTS_OFF = {
    "full_rainbow": ({}, {}),
    "no_double": ({}, dict(double=False)),
    "no_dueling": (dict(dueling=False), {}),
    "no_noisy": (dict(noisy=False), {}),
    "no_distributional": (dict(distributional=False), {}),
    "no_multi_step": ({}, dict(n_step=1)),  # the writer's n (ReplayConfig.n_step)
    "bf16_mixed_precision": ({}, {}),
}


@pytest.mark.parametrize("name", list(COMPONENTS_OFF))
def test_chain_mdp_learns_the_analytic_q_values(name):
    network_kwargs, agent_kwargs = COMPONENTS_OFF[name]
    precision = "mixed_bfloat16" if name.startswith("bf16") else "float32"
    with precision_scope(precision):
        net = RainbowNetwork(MLPEncoder((32,)), num_actions=2, num_atoms=21, v_min=-0.5,
                             v_max=1.5, hidden_units=(32,), **network_kwargs)
    agent = RainbowAgent(tf.TensorSpec([chain_mdp.LENGTH + 1], tf.float32), ACTION_SPEC, net,
                         tf.keras.optimizers.Adam(3e-3),
                         **(dict(target_update_period=25)
                            | {k: v for k, v in agent_kwargs.items() if k != "n_step"})
                         ).initialize()
    data = chain_mdp.transitions(GAMMA, agent_kwargs.get("n_step", 3))
    rng = np.random.default_rng(0)
    for _ in range(800):
        agent.train(chain_mdp.sample_batch(data, 32, rng))
    states = np.stack([chain_mdp.one_hot(s) for s in range(chain_mdp.LENGTH)])
    q = agent.policy.q_values(states).numpy()  # noise off: the mean weights
    np.testing.assert_allclose(q, chain_mdp.optimal_q(GAMMA), atol=0.04)
    np.testing.assert_array_equal(agent.policy.action(states), np.ones(chain_mdp.LENGTH))
