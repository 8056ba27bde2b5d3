"""The n-step writer against hand-derived items, through a real Reverb server on loopback."""
import numpy as np
import pytest
import reverb

from tfrainbow.replay.writers import NStepTransitionWriter

G = 0.5


@pytest.fixture(scope="module")
def server():
    server = reverb.Server([reverb.Table.queue("queue", max_size=10_000)], port=None)
    yield server
    server.stop()


def run_episodes(server, episodes, n_step, clip_rewards=False):
    """episodes: lists of (reward, terminated, truncated); observation i is [i], counted
    across episodes; action at observation i is 10 + i. Returns the items in insert order
    as (obs, action, R, discount, next_obs) tuples."""
    client = reverb.Client(f"localhost:{server.port}")
    writer = NStepTransitionWriter(client, "queue", n_step, G, clip_rewards=clip_rewards)
    obs = 0
    for episode in episodes:
        writer.reset(np.array([obs], np.float32))
        for reward, terminated, truncated in episode:
            writer.step(10 + obs, reward, terminated, truncated, np.array([obs + 1], np.float32))
            obs += 1
        obs += 1  # the next episode starts from a fresh observation
    writer.flush(0)
    size = client.server_info()["queue"].current_size
    items = []
    for sample in client.sample("queue", num_samples=size, emit_timesteps=False):
        o, a, r, d, o2 = sample.data
        items.append((int(o[0]), int(a), round(float(r), 6), float(d), int(o2[0])))
    writer.close()
    return items


def steps(rewards, end):
    """A list of (reward, terminated, truncated) ending in 'terminated' or 'truncated'."""
    last = len(rewards) - 1
    return [(r, end == "terminated" and i == last, end == "truncated" and i == last)
            for i, r in enumerate(rewards)]


# Rows: (episodes, n_step, expected items (s_t, a_t, R, gamma^(m), s_t+m)), gamma = 0.5.
CASES = {
    "truncated: tail windows bootstrap with gamma^m": (
        [steps([1, 2, 3, 4, 5], "truncated")], 3,
        [(0, 10, 1 + 1 + 0.75, 0.125, 3), (1, 11, 2 + 1.5 + 1, 0.125, 4),
         (2, 12, 3 + 2 + 1.25, 0.125, 5), (3, 13, 4 + 2.5, 0.25, 5), (4, 14, 5, 0.5, 5)]),
    "terminated: windows reaching the end do not bootstrap": (
        [steps([1, 2, 3, 4, 5], "terminated")], 3,
        [(0, 10, 2.75, 0.125, 3), (1, 11, 4.5, 0.125, 4),
         (2, 12, 6.25, 0.0, 5), (3, 13, 6.5, 0.0, 5), (4, 14, 5.0, 0.0, 5)]),
    "episode shorter than n": (
        [steps([1, 2], "terminated")], 3,
        [(0, 10, 1 + 1, 0.0, 2), (1, 11, 2.0, 0.0, 2)]),
    "terminal at the first step": (
        [steps([7], "terminated")], 3, [(0, 10, 7.0, 0.0, 1)]),
    "n = 1 is one-step Q-learning": (
        [steps([1, 2, 3], "terminated")], 1,
        [(0, 10, 1.0, 0.5, 1), (1, 11, 2.0, 0.5, 2), (2, 12, 3.0, 0.0, 3)]),
    "two episodes in one stream never mix": (
        [steps([1, 2], "truncated"), steps([4, 8], "terminated")], 2,
        [(0, 10, 1 + 1, 0.25, 2), (1, 11, 2.0, 0.5, 2),
         (3, 13, 4 + 4, 0.0, 5), (4, 14, 8.0, 0.0, 5)]),
}


def test_clipped_rewards_for_atari_training(server):
    items = run_episodes(server, [steps([5.0, -3.0, 0.5], "terminated")], 2, clip_rewards=True)
    # r clipped to (1, -1, 0.5): R_0 = 1 - 0.5 = 0.5, R_1 = -1 + 0.25 = -0.75, R_2 = 0.5.
    assert items == [(0, 10, 0.5, 0.25, 2), (1, 11, -0.75, 0.0, 3), (2, 12, 0.5, 0.0, 3)]


@pytest.mark.parametrize("name", list(CASES))
def test_n_step_writer_items(server, name):
    episodes, n_step, expected = CASES[name]
    assert run_episodes(server, episodes, n_step) == expected


def test_long_episode_keeps_referencing_the_right_steps(server):
    rewards = list(np.arange(1, 41, dtype=float))
    items = run_episodes(server, [steps(rewards, "truncated")], 4)
    assert len(items) == 40
    for t, (o, a, r, d, o2) in enumerate(items):
        m = min(4, 40 - t)
        assert (o, a, o2, d) == (t, 10 + t, t + m, G ** m)
        assert r == pytest.approx(sum(G ** k * rewards[t + k] for k in range(m)))


def test_an_episode_cut_without_an_end_is_dropped(server):
    client = reverb.Client(f"localhost:{server.port}")
    writer = NStepTransitionWriter(client, "queue", 3, G)
    writer.reset(np.array([0.0], np.float32))
    writer.step(10, 1.0, False, False, np.array([1.0], np.float32))  # no window complete
    writer.reset(np.array([5.0], np.float32))  # e.g. an actor restarting its envs
    writer.step(15, 2.0, True, False, np.array([6.0], np.float32))
    writer.flush(0)
    sample = next(iter(client.sample("queue", num_samples=1, emit_timesteps=False)))
    assert [float(np.squeeze(x)) for x in sample.data] == [5.0, 15.0, 2.0, 0.0, 6.0]
    assert client.server_info()["queue"].current_size == 0
    writer.close()
