"""The Atari preprocessing and evaluation protocol, held against the raw emulator: max-pool
of the last two frames, no-op starts, episodic life for training only, the 108k-frame cap,
and human-normalized scores against the reference table."""
import cv2
import gymnasium as gym
import numpy as np
import pytest

from tfrainbow.envs import atari, atari_scores


def raw_env():
    import ale_py

    gym.register_envs(ale_py)
    return gym.make("ALE/Pong-v5", frameskip=1, repeat_action_probability=0.0,
                    obs_type="grayscale")


def test_newest_frame_is_the_max_of_the_last_two_raw_frames_resized():
    env = atari.make_atari_env("ALE/Pong-v5", noop_max=0)
    raw = raw_env()
    obs, _ = env.reset(seed=3)
    raw.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(30):  # agent steps; each is 4 raw frames with the same action
        action = int(rng.integers(6))
        obs, *_ = env.step(action)
        frames = [raw.step(action)[0] for _ in range(4)]
        pooled = np.maximum(frames[-2], frames[-1])  # elementwise max of frames 3 and 4
        expected = cv2.resize(pooled, (84, 84), interpolation=cv2.INTER_AREA)
        np.testing.assert_array_equal(obs[..., -1], expected)
    assert not np.array_equal(frames[-2], frames[-1])  # the max did combine two frames
    env.close()
    raw.close()


def test_no_op_starts_take_between_1_and_30_frames():
    env = atari.make_atari_env("ALE/Pong-v5")
    counts = []
    for seed in range(20):
        env.reset(seed=seed)
        counts.append(env.unwrapped.ale.getEpisodeFrameNumber())  # raw frames = no-ops
    assert min(counts) >= 1 and max(counts) <= 30 and len(set(counts)) > 5, counts
    env.close()
    plain = atari.make_atari_env("ALE/Pong-v5", noop_max=0)
    plain.reset(seed=0)
    assert plain.unwrapped.ale.getEpisodeFrameNumber() == 0
    plain.close()


def play_until_end(env, max_steps=6000, seed=0):
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for step in range(max_steps):
        _, _, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
        if terminated or truncated:
            return step + 1, env.unwrapped.ale.lives(), terminated
    raise AssertionError(f"no episode end within {max_steps} steps")


def test_episodic_life_ends_training_episodes_at_a_life_loss_only():
    training = atari.make_atari_env("ALE/Breakout-v5", episodic_life=True)
    steps, lives, terminated = play_until_end(training)
    assert terminated and lives == 4  # one of Breakout's 5 lives lost
    evaluation = atari.make_atari_env("ALE/Breakout-v5")
    eval_steps, eval_lives, eval_terminated = play_until_end(evaluation)
    assert eval_terminated and eval_lives == 0 and eval_steps > steps  # the whole game
    training.close()
    evaluation.close()


def test_episode_cap_truncates_at_the_frame_limit():
    env = atari.make_atari_env("ALE/Pong-v5", max_episode_frames=400, noop_max=0)
    steps, _, terminated = play_until_end(env)
    assert not terminated and steps == 400 // 4  # truncated, not a terminal
    env.close()


@pytest.mark.parametrize("game, score, hns", [
    ("Pong", -20.7, 0.0), ("Pong", 14.6, 1.0), ("Pong", -3.05, 0.5),
    ("Breakout", 30.5, 1.0), ("Breakout", 1.7 + 2 * 28.8, 2.0), ("Skiing", -17098.1, 0.0),
])
def test_human_normalized_scores(game, score, hns):
    assert atari_scores.human_normalized(game, score) == pytest.approx(hns)


def test_reference_tables():
    assert len(atari_scores.RANDOM_AND_HUMAN) == 57
    assert len(atari_scores.DATA_EFFICIENT_RAINBOW) == 26
    assert set(atari_scores.DATA_EFFICIENT_RAINBOW) <= set(atari_scores.RANDOM_AND_HUMAN)
    assert atari_scores.summarize([0.0, 1.0, 5.0]) == {"games": 3, "median_hns": 1.0,
                                                       "mean_hns": 2.0}
    with pytest.raises(KeyError, match="No reference scores for 'Pongg'"):
        atari_scores.human_normalized("Pongg", 0.0)
