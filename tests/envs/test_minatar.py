"""MinAtar ids work with nothing imported by the user, and their boolean observations go
compactly (bool) through replay and into the network."""
import warnings

import gin
import numpy as np
import pytest
import reverb
import tensorflow as tf

from tfrainbow import builders, envs, specs
from tfrainbow.envs import minatar
from tfrainbow.replay import datasets

CHANNELS = {"Asterix": 4, "Breakout": 4, "Freeway": 7, "Seaquest": 10, "SpaceInvaders": 6}


@pytest.mark.parametrize("game", minatar.GAMES)
@pytest.mark.parametrize("version, actions", [("v0", 6), ("v1", None)])
def test_minatar_ids_make_boolean_envs(game, version, actions):
    env = envs.make_env(f"MinAtar/{game}-{version}")
    obs, _ = env.reset(seed=3)
    assert obs.dtype == np.bool_ and obs.shape == (10, 10, CHANNELS[game])
    spec = specs.specs_from_env(env)
    assert spec.observation_spec.dtype == tf.bool
    if actions:  # v0: the full set; v1: the game's minimal set, at most 6
        assert env.action_space.n == actions
    assert 1 <= env.action_space.n <= 6
    again, _ = envs.make_env(f"MinAtar/{game}-{version}").reset(seed=3)
    np.testing.assert_array_equal(obs, again)  # seeded resets are reproducible
    env.close()


def test_full_action_set_ids_are_not_called_out_of_date():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        envs.make_env("MinAtar/Freeway-v0").close()
        envs.make_env("CartPole-v0").close()  # the filter is MinAtar's -v0 only
    messages = [str(w.message) for w in caught]
    assert not any("MinAtar/Freeway-v0 is out of date" in m for m in messages), messages
    assert any("CartPole-v0 is out of date" in m for m in messages), messages


def test_minatar_vector_env_steps_in_batches():
    vector = envs.make_vector_env(3, env_fn=lambda: envs.make_env("MinAtar/Seaquest-v0"))
    obs, _ = vector.reset(seed=0)
    assert obs.shape == (3, 10, 10, 10) and obs.dtype == np.bool_
    obs, rewards, terminated, truncated, info = vector.step(np.zeros(3, np.int64))
    assert obs.shape == (3, 10, 10, 10) and rewards.shape == (3,)
    vector.close()


def test_boolean_observations_through_replay_and_the_network(tmp_path):
    gin.clear_config()
    gin.add_config_file_search_path(".")
    gin.parse_config_files_and_bindings(["gin/rainbow/minatar.gin"], [
        "ReplayConfig.min_size = 32", "make_env.env_id = 'MinAtar/Breakout-v0'"])
    builder = builders.builder_for("rainbow")
    env = envs.make_vector_env(1)
    env_specs = specs.specs_from_env(env)
    tables = builder.make_tables(env_specs)
    replay_signature = tables[0].info.signature
    assert replay_signature.observation.dtype == tf.bool  # stored as bool, never float32
    server = reverb.Server(tables, port=None)
    address = f"localhost:{server.port}"
    client = reverb.Client(address)
    agent = builder.make_agent(env_specs)
    state = builder.make_state()
    steps = [0]
    actor = builder.make_actor(env, agent, client, state, lambda: steps[0] >= 64, seed=0)
    actor.run(on_steps=lambda n: steps.__setitem__(0, steps[0] + n))
    actor.close()
    sample = next(iter(datasets.transition_dataset(address, "replay", 8)))
    assert sample.data.observation.dtype == tf.bool
    assert sample.data.observation.shape == (8, 10, 10, 4)
    info = agent.train(sample.data)  # the network casts them
    assert np.isfinite(float(info.loss))
    server.stop()
    gin.clear_config()


def _fire_under_aliens(game, rng):
    """Mostly shoots from under the nearest alien column, now and then a random action."""
    if rng.random() < 0.2:
        return int(rng.integers(6))
    columns = np.flatnonzero(game.alien_map.any(axis=0))
    target = columns[np.argmin(np.abs(columns - game.pos))] if len(columns) else game.pos
    return 5 if target == game.pos else (1 if target < game.pos else 3)  # f, l, r


@pytest.mark.parametrize("policy", ["random", "fire_under_aliens"])
def test_the_space_invaders_port_plays_minatars_game_step_for_step(policy):
    from minatar.environments import space_invaders as reference_game

    from tfrainbow.envs import minatar_space_invaders as port_game

    fields = ("pos", "alien_dir", "enemy_move_interval", "alien_move_timer",
              "alien_shot_timer", "ramp_index", "shot_timer", "terminal")
    reference, port = reference_game.Env(), port_game.Env()
    rng = np.random.default_rng(0)
    steps = episodes = rewards = 0
    max_ramp = 0
    while steps < 10_000:  # bounded: a few seconds
        reference.reset()
        port.reset()
        while not reference.terminal and steps < 10_000:
            if policy == "fire_under_aliens" and rng.random() < 0.02:
                # Thin the wave to one alien in both games alike: waves get cleared, so the
                # difficulty ramp and new waves are compared too.
                aliens = np.argwhere(reference.alien_map)
                keep = aliens[rng.integers(len(aliens))]
                for game in (reference, port):
                    game.alien_map[:] = 0
                    game.alien_map[keep[0], keep[1]] = 1
            action = (int(rng.integers(6)) if policy == "random"
                      else _fire_under_aliens(reference, rng))
            expected, got = reference.act(action), port.act(action)
            assert got == expected and type(got[0]) is type(expected[0]), (steps, got, expected)
            np.testing.assert_array_equal(port.state(), reference.state())
            for name in ("alien_map", "f_bullet_map", "e_bullet_map"):
                np.testing.assert_array_equal(getattr(port, name), getattr(reference, name))
            assert [getattr(port, f) for f in fields] == [getattr(reference, f) for f in fields]
            steps, rewards = steps + 1, rewards + expected[0]
            max_ramp = max(max_ramp, reference.ramp_index)
        episodes += 1
    assert episodes > 5 and rewards > 50
    if policy == "fire_under_aliens":
        assert max_ramp >= 2  # waves cleared: the ramp and new waves were compared too


def test_minatar_space_invaders_ids_play_the_port():
    from tfrainbow.envs import minatar_space_invaders

    for version in ("v0", "v1"):
        env = envs.make_env(f"MinAtar/SpaceInvaders-{version}")
        assert isinstance(env.unwrapped.game.env, minatar_space_invaders.Env)
        env.reset(seed=3)
        assert env.unwrapped.game.env.random is env.unwrapped.game.random  # seeded alike
