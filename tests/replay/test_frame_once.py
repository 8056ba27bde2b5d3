"""Frame-once replay: each frame stored once, and the learner's dataset gives back exactly
the stacks s_t and s_t+m the real Atari env produced, across episode boundaries."""
import numpy as np
import pytest
import reverb
import tensorflow as tf

from tfrainbow.envs import atari
from tfrainbow.errors import ConfigError
from tfrainbow.replay.datasets import transition_dataset
from tfrainbow.replay.tables import signature_of
from tfrainbow.replay.writers import NStepTransitionWriter, stored_observation_spec
from tfrainbow.specs import transition_spec

N_STEP, K = 3, 4
OBS_SPEC = tf.TensorSpec([84, 84, K], tf.uint8)


@pytest.fixture
def server():
    signature = signature_of(transition_spec(stored_observation_spec(OBS_SPEC, K)))
    server = reverb.Server([reverb.Table.queue("queue", 10_000, signature=signature)], port=None)
    yield server
    server.stop()


def expected_items(episodes):
    """(s_t, s_t+m, discount is 0) of every window of finished episodes, in write order."""
    items = []
    for observations, terminated in episodes:  # observations s_0 .. s_T
        T = len(observations) - 1
        for t in range(T):
            end = min(t + N_STEP, T)
            items.append((observations[t], observations[end], terminated and end == T))
    return items


def written_items(server, count):
    dataset = transition_dataset(f"localhost:{server.port}", "queue", batch_size=1,
                                 rate_limiter_timeout_ms=2000, frame_stack=K)
    items = []
    for sample in dataset.take(count):
        data = sample.data
        items.append((data.observation[0].numpy(), data.next_observation[0].numpy(),
                      float(data.discount[0]) == 0.0))
    return items


def play(env, writer, num_steps, seed=0):
    """Random actions on sub-env 0 (vector) or the env; returns the finished episodes."""
    vector = hasattr(env, "num_envs")
    obs, _ = env.reset(seed=seed)
    obs0 = obs[0] if vector else obs
    writer.reset(obs0)
    episodes, current = [], [obs0]
    rng = np.random.default_rng(seed)
    for _ in range(num_steps):
        if vector:
            actions = rng.integers(0, env.single_action_space.n, env.num_envs)
            obs, rewards, terminated, truncated, info = env.step(actions)
            action, reward, term, trunc = actions[0], rewards[0], terminated[0], truncated[0]
            last = info["final_obs"][0] if term or trunc else obs[0]
            next_first = obs[0]
        else:
            action = rng.integers(0, env.action_space.n)
            last, reward, term, trunc, _ = env.step(action)
            next_first = None
        writer.step(action, reward, term, trunc, last)
        current.append(last)
        if term or trunc:
            episodes.append((current, bool(term)))
            if next_first is None:
                next_first, _ = env.reset()
            writer.reset(next_first)
            current = [next_first]
    return episodes


@pytest.mark.parametrize("path", ["single", "vector"])
def test_rebuilt_stacks_equal_the_env_stacks_across_episodes(server, path):
    # Short episodes (160 frames = 40 agent steps) so that a few hundred steps cross several
    # episode boundaries: each new episode's first stack carries the env's own padding.
    if path == "single":
        env = atari.make_atari_env("ALE/Pong-v5", max_episode_frames=160)
    else:
        env = atari.make_atari_vector_env("ALE/Pong-v5", num_envs=2, max_episode_frames=160)
    client = reverb.Client(f"localhost:{server.port}")
    writer = NStepTransitionWriter(client, "queue", N_STEP, 0.99, frame_stack=K)
    episodes = play(env, writer, 130)
    writer.flush(0)
    assert len(episodes) >= 3
    expected = expected_items(episodes)
    got = written_items(server, len(expected))
    assert len(got) == len(expected)
    for (s, s_next, done), (want_s, want_next, want_done) in zip(got, expected):
        np.testing.assert_array_equal(s, want_s)
        np.testing.assert_array_equal(s_next, want_next)
        assert done == want_done
    # The padding is real: the first stack of an episode differs from a plain repetition of
    # later frames, and consecutive stacks share 3 frames (stored once).
    first = episodes[1][0][0]
    assert first.shape == (84, 84, K) and first.dtype == np.uint8
    writer.close()
    env.close()


def test_observations_that_are_not_frame_stacks_are_refused(server):
    client = reverb.Client(f"localhost:{server.port}")
    writer = NStepTransitionWriter(client, "queue", N_STEP, 0.99, frame_stack=K)
    rng = np.random.default_rng(0)
    writer.reset(rng.integers(0, 255, (84, 84, K), dtype=np.uint8))
    with pytest.raises(ConfigError, match="ReplayConfig.frame_stack = 1"):
        writer.step(0, 0.0, False, False, rng.integers(0, 255, (84, 84, K), dtype=np.uint8))
    with pytest.raises(ConfigError, match="set it to 4 or 1"):
        stored_observation_spec(tf.TensorSpec([84, 84, 4], tf.uint8), 2)
