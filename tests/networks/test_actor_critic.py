import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.networks.actor_critic import ActorCriticNetwork
from tfrainbow.networks.encoders import MLPEncoder


def test_feedforward_shapes_and_time_independence():
    net = ActorCriticNetwork(MLPEncoder((16,)), num_actions=3)
    obs = tf.random.normal([5, 2, 4])
    logits, values, state = net(obs)
    assert logits.shape == (5, 2, 3) and values.shape == (5, 2) and state == ()
    # Without a core each step depends on its own observation only.
    single, _, _ = net(obs[2:3])
    np.testing.assert_allclose(logits[2:3], single, rtol=1e-5, atol=1e-6)


def test_lstm_state_resets_at_episode_starts():
    net = ActorCriticNetwork(MLPEncoder((8,)), num_actions=2, lstm_units=6)
    obs = tf.random.normal([4, 1, 3])
    carried = (tf.random.normal([1, 6]), tf.random.normal([1, 6]))
    first = tf.constant([[False], [False], [True], [False]])
    logits, _, _ = net(obs, first, carried)
    # From the reset at t = 2 on, the outputs are those of a fresh episode started there...
    fresh, _, _ = net(obs[2:], tf.constant([[True], [False]]), net.initial_state(1))
    np.testing.assert_allclose(logits[2:], fresh, rtol=1e-5, atol=1e-6)
    # ...while before it the carried state matters.
    zero_start, _, _ = net(obs[:2], tf.constant([[False], [False]]), net.initial_state(1))
    assert np.abs(logits[:2] - zero_start).max() > 1e-4


def test_unroll_equals_step_by_step_with_carried_state():
    net = ActorCriticNetwork(MLPEncoder((8,)), num_actions=2, lstm_units=5)
    obs = tf.random.normal([6, 2, 3])
    first = tf.constant([[True, False], [False, False], [False, True], [False, False],
                         [True, False], [False, False]])
    whole, whole_values, final = net(obs, first, net.initial_state(2))
    state, pieces = net.initial_state(2), []
    for t in range(6):
        logits, _, state = net(obs[t:t + 1], first[t:t + 1], state)
        pieces.append(logits)
    np.testing.assert_allclose(whole, tf.concat(pieces, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(final[0], state[0], rtol=1e-5, atol=1e-6)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="lstm_units"):
        ActorCriticNetwork(MLPEncoder((4,)), 2, lstm_units=0)


def test_lstm_under_mixed_bfloat16_keeps_a_float32_state_close_to_float32():
    from tfrainbow.networks.precision import precision_scope

    obs = tf.random.normal([6, 2, 3])
    first = tf.constant([[True, False], [False, False], [False, True], [False, False],
                         [True, False], [False, False]])
    reference = ActorCriticNetwork(MLPEncoder((8,)), num_actions=2, lstm_units=5)
    reference(obs, first, reference.initial_state(2))
    with precision_scope("mixed_bfloat16"):
        net = ActorCriticNetwork(MLPEncoder((8,)), num_actions=2, lstm_units=5)
    net(obs, first, net.initial_state(2))
    net.set_weights(reference.get_weights())  # float32 master weights in both
    logits, values, state = net(obs, first, net.initial_state(2))
    assert logits.dtype == values.dtype == state[0].dtype == state[1].dtype == tf.float32
    expected, expected_values, expected_state = reference(obs, first, reference.initial_state(2))
    # bfloat16 keeps 8 bits of mantissa: agreement to a few parts in a hundred.
    np.testing.assert_allclose(logits, expected, atol=0.05)
    np.testing.assert_allclose(state[1], expected_state[1], atol=0.05)
