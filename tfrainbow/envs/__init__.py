"""Environment construction from gymnasium ids."""
import gin
import gymnasium as gym

from tfrainbow.errors import ConfigError, UnknownEnvironmentError  # noqa: F401


@gin.configurable
def make_env(env_id: str = gin.REQUIRED, max_episode_steps=None, **kwargs):
    """gymnasium.make(env_id) with one clear error for an unknown id. ALE ids get the
    standard Atari preprocessing (tfrainbow.envs.atari, evaluation settings by default);
    MinAtar ids (tfrainbow.envs.minatar) are registered on first use, and play a game's
    faster identical port where there is one."""
    if env_id.startswith("ALE/"):
        import ale_py  # registers the ALE/ ids

        gym.register_envs(ale_py)
    elif env_id.startswith("MinAtar/"):
        from tfrainbow.envs import minatar

        minatar.register()
    try:
        if env_id.startswith("ALE/") and env_id in gym.registry:
            from tfrainbow.envs import atari

            return atari.make_atari_env(env_id, **kwargs)
        env = gym.make(env_id, max_episode_steps=max_episode_steps, **kwargs)
    except gym.error.Error as error:
        if env_id not in gym.registry:
            raise UnknownEnvironmentError(
                f"Unknown environment id {env_id!r} ({error}): use a registered gymnasium id "
                "such as 'CartPole-v1', 'ALE/Pong-v5' or 'MinAtar/Breakout-v0'.") from error
        raise
    if env_id.startswith("MinAtar/"):
        from tfrainbow.envs import minatar

        minatar.use_faster_games(env)
    return env


@gin.configurable
def make_vector_env(num_envs: int = 1, env_fn=make_env):
    """A vector env of the configured env that autoresets in SAME_STEP mode: an ended
    episode's last observation is in info["final_obs"], the returned one starts the next.
    Synchronous gymnasium envs, or ale-py's AtariVectorEnv for ALE ids."""
    if num_envs < 1:
        raise ConfigError(f"num_envs must be >= 1, got {num_envs}.")
    probe = env_fn()
    env_id = probe.spec.id if probe.spec else ""
    probe.close()
    if env_id.startswith("ALE/"):  # C++ threads do the Atari preprocessing for the batch
        from tfrainbow.envs import atari

        return atari.make_atari_vector_env(env_id, num_envs)
    return gym.vector.SyncVectorEnv(
        [env_fn for _ in range(num_envs)],
        autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)


def make_eval_vector_env(num_envs: int, env_id=None):
    """A vector env for evaluation episodes of `env_id` (default: the configured env), under
    the evaluation protocol of make_env's single envs, where one is faster than single envs
    side by side (ALE ids: AtariVectorEnv's C++ threads); None elsewhere (evaluate then
    steps single envs)."""
    if env_id is None:
        env_id = gin.query_parameter("make_env.env_id") if _bound("make_env.env_id") else ""
    if not env_id.startswith("ALE/"):
        return None
    from tfrainbow.envs import atari

    return atari.make_atari_eval_vector_env(env_id, num_envs)


def _bound(name: str) -> bool:
    try:
        gin.query_parameter(name)
        return True
    except ValueError:
        return False
