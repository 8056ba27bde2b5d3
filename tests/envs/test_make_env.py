import pytest

from tfrainbow import envs


def test_known_id_builds_the_env():
    env = envs.make_env("CartPole-v1")
    assert env.spec.id == "CartPole-v1" and env.spec.max_episode_steps == 500
    env.close()


@pytest.mark.parametrize("env_id", ["CartPol-v1", "ALE/NoSuchGame-v5"])
def test_unknown_id_is_one_clear_error(env_id):
    with pytest.raises(envs.UnknownEnvironmentError) as error:
        envs.make_env(env_id)
    first_line = str(error.value).splitlines()[0]  # gin appends its own context below
    assert env_id in first_line and "registered gymnasium id" in first_line
