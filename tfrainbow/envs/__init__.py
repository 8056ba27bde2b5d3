"""Environment construction from gymnasium ids."""
import gin
import gymnasium as gym


class UnknownEnvironmentError(ValueError):
    """An environment id gymnasium does not know."""


@gin.configurable
def make_env(env_id: str = gin.REQUIRED, max_episode_steps=None, **kwargs):
    """gymnasium.make(env_id) with one clear error for an unknown id."""
    if env_id.startswith("ALE/"):
        import ale_py  # registers the ALE/ ids

        gym.register_envs(ale_py)
    try:
        return gym.make(env_id, max_episode_steps=max_episode_steps, **kwargs)
    except gym.error.Error as error:
        if env_id not in gym.registry:
            raise UnknownEnvironmentError(
                f"Unknown environment id {env_id!r} ({error}): use a registered gymnasium id "
                "such as 'CartPole-v1' or 'ALE/Pong-v5'.") from error
        raise
