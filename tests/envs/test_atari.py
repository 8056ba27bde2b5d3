"""The two Atari paths agree: AtariVectorEnv (training actors) and gymnasium's wrappers
(single envs) give the same layout, dtype, value range and spaces."""
import numpy as np
import pytest

from tfrainbow import envs, specs
from tfrainbow.envs import atari


def test_single_and_vector_paths_agree_on_layout_dtype_and_range():
    single = envs.make_env("ALE/Pong-v5")
    vector = atari.make_atari_vector_env("ALE/Pong-v5", num_envs=2)
    obs, _ = single.reset(seed=0)
    batch, _ = vector.reset(seed=0)
    assert obs.shape == (84, 84, 4) and batch.shape == (2, 84, 84, 4)
    assert obs.dtype == batch.dtype == np.uint8
    assert single.observation_space == vector.single_observation_space
    assert single.action_space == vector.single_action_space
    rng = np.random.default_rng(0)
    for _ in range(20):
        obs, *_ = single.step(int(rng.integers(6)))
        batch, *_ = vector.step(rng.integers(0, 6, 2))
    for frames in (obs, batch[0]):
        assert 0 <= frames.min() and frames.max() <= 255 and frames.max() > 50  # real pixels
        # A stack of 4 consecutive (different) frames along the last axis.
        assert len({frames[..., k].tobytes() for k in range(4)}) > 1
    spec = specs.specs_from_env(single)
    assert spec.observation_spec.shape == (84, 84, 4) and specs.num_actions(spec.action_spec) == 6
    single.close()
    vector.close()


def test_training_options_clip_rewards():
    env = atari.make_atari_env("ALE/Pong-v5", clip_rewards=True)
    env.reset(seed=0)
    rewards = [env.step(0)[1] for _ in range(300)]
    assert set(rewards) <= {-1.0, 0.0, 1.0} and min(rewards) == -1.0  # Pong concedes points
    env.close()


def test_make_vector_env_picks_the_atari_vector_env_for_ale_ids():
    import functools

    vector = envs.make_vector_env(2, env_fn=functools.partial(envs.make_env, "ALE/Pong-v5"))
    assert vector.single_observation_space.shape == (84, 84, 4)
    vector.close()


@pytest.mark.parametrize("env_id, game", [("ALE/Pong-v5", "Pong"),
                                          ("ALE/SpaceInvaders-v5", "SpaceInvaders")])
def test_game_names(env_id, game):
    assert atari.game_of(env_id) == game
    assert atari._snake(game) in ("pong", "space_invaders")


@pytest.mark.parametrize("game", ["Breakout", "Pong"])
def test_single_and_vector_paths_give_identical_stacks_from_the_reset_on(game):
    # One seed, one action sequence, no no-ops (their counts come from different RNGs):
    # every stack the evaluation path sees is one the training path produced, the reset's
    # zero padding included.
    single = atari.make_atari_env(f"ALE/{game}-v5", noop_max=0)
    vector = atari.make_atari_vector_env(f"ALE/{game}-v5", 1, noop_max=0)
    obs, _ = single.reset(seed=7)
    batch, _ = vector.reset(seed=7)
    np.testing.assert_array_equal(obs, batch[0])
    assert obs[..., :3].max() == 0 and obs[..., 3].mean() > 10  # zeros, then the first frame
    rng = np.random.default_rng(0)
    for t in range(2000):
        action = int(rng.integers(single.action_space.n))
        obs, reward, terminated, truncated, _ = single.step(action)
        batch, rewards, ended, cut, info = vector.step(np.array([action]))
        assert (terminated, truncated, reward) == (ended[0], cut[0], rewards[0]), t
        # At an episode's end the vector env has reset already: its last stack is final_obs.
        last = info["final_obs"][0] if ended[0] or cut[0] else batch[0]
        np.testing.assert_array_equal(obs, last, err_msg=f"step {t}")
        if terminated or truncated:
            obs, _ = single.reset()
            np.testing.assert_array_equal(obs[..., :3], 0)  # the next episode: zeros too
            np.testing.assert_array_equal(batch[0][..., :3], 0)
            break
    single.close()
    vector.close()
