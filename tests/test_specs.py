import gymnasium as gym
import numpy as np
import pytest
import tensorflow as tf

from tfrainbow import specs


def test_box_space_gives_bounded_spec():
    space = gym.spaces.Box(low=-2.0, high=3.0, shape=(4, 2), dtype=np.float32)
    spec = specs.tensor_spec_from_space(space)
    assert spec.shape == (4, 2) and spec.dtype == tf.float32
    np.testing.assert_array_equal(spec.minimum, np.full((4, 2), -2.0))
    np.testing.assert_array_equal(spec.maximum, np.full((4, 2), 3.0))


def test_uint8_frames_stay_uint8():
    space = gym.spaces.Box(0, 255, shape=(84, 84, 4), dtype=np.uint8)
    assert specs.tensor_spec_from_space(space).dtype == tf.uint8


@pytest.mark.parametrize("n", [1, 2, 18])
def test_discrete_space_gives_scalar_int64(n):
    spec = specs.tensor_spec_from_space(gym.spaces.Discrete(n), "action")
    assert spec.shape == () and spec.dtype == tf.int64
    assert (int(spec.minimum), int(spec.maximum)) == (0, n - 1)
    assert specs.num_actions(spec) == n


@pytest.mark.parametrize("space, words", [
    (gym.spaces.Dict({"a": gym.spaces.Discrete(2)}), "Dict"),
    (gym.spaces.Tuple((gym.spaces.Discrete(2),)), "Tuple"),
    (gym.spaces.MultiDiscrete([2, 3]), "MultiDiscrete"),
    (gym.spaces.MultiBinary(3), "MultiBinary"),
    (gym.spaces.Discrete(3, start=1), "start at 0"),
])
def test_unsupported_space_names_the_space(space, words):
    with pytest.raises(specs.UnsupportedSpaceError) as error:
        specs.tensor_spec_from_space(space)
    message = str(error.value)
    assert words in message and "\n" not in message


def test_continuous_actions_are_rejected_for_value_agents():
    spec = specs.tensor_spec_from_space(gym.spaces.Box(-1, 1, (2,)), "action")
    with pytest.raises(specs.UnsupportedSpaceError, match="Discrete action space"):
        specs.num_actions(spec)


def test_specs_from_env_and_vector_env_agree():
    env = gym.make("CartPole-v1")
    vector_env = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync")
    single, vector = specs.specs_from_env(env), specs.specs_from_env(vector_env)
    assert single.observation_spec.shape == vector.observation_spec.shape == (4,)
    assert specs.num_actions(single.action_spec) == specs.num_actions(vector.action_spec) == 2
    env.close()
    vector_env.close()


def test_transition_spec_matches_observation_spec():
    obs = tf.TensorSpec([84, 84, 4], tf.uint8)
    spec = specs.transition_spec(obs)
    assert spec.observation == spec.next_observation == obs
    assert spec.action.dtype == tf.int64 and spec.reward.dtype == tf.float32
