"""Atari 2600 through ale-py, preprocessed the way the literature measures it: action repeat
4 with a max over the last two frames, 84x84 grayscale, a stack of 4, uint8 end to end, up to
30 no-op starts, optional sticky actions (p = 0.25, Machado et al. 2018), an episode cap of
108k frames; episodic life and reward clipping are training-only options.

Two paths, one layout ([84, 84, 4] uint8, frames on the last axis as NatureCNN reads them):
  - training actors: ale_py.vector_env.AtariVectorEnv, whose C++ threads do the whole
    preprocessing (about 29k frames/s for 8 envs on 2 threads here, against about 11k for a
    Python loop over one env);
  - single envs (evaluation, tests): gymnasium's AtariPreprocessing + FrameStackObservation.
"""
import re

import gin
import gymnasium as gym
import numpy as np

STACK, SIZE, FRAME_SKIP = 4, 84, 4


def game_of(env_id: str) -> str:
    """'ALE/SpaceInvaders-v5' -> 'SpaceInvaders'."""
    match = re.fullmatch(r"ALE/([A-Za-z0-9]+)-v\d+", env_id)
    if not match:
        raise ValueError(f"Not an ALE id: {env_id!r}; use e.g. 'ALE/Pong-v5'.")
    return match.group(1)


def _snake(game: str) -> str:  # 'SpaceInvaders' -> 'space_invaders' (AtariVectorEnv's name)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", game).lower()


def _channels_last(observation_space: gym.spaces.Box) -> gym.spaces.Box:
    return gym.spaces.Box(0, 255, (SIZE, SIZE, STACK), np.uint8)


@gin.configurable
def make_atari_env(env_id: str, sticky_actions: bool = False, noop_max: int = 30,
                   episodic_life: bool = False, clip_rewards: bool = False,
                   max_episode_frames: int = 108_000, full_action_space: bool = False):
    """One preprocessed Atari env (evaluation protocol by default: full episodes, raw
    rewards)."""
    import ale_py

    gym.register_envs(ale_py)
    env = gym.make(env_id, frameskip=1, repeat_action_probability=0.25 if sticky_actions else 0.0,
                   full_action_space=full_action_space,
                   max_num_frames_per_episode=max_episode_frames)
    env = gym.wrappers.AtariPreprocessing(env, noop_max=noop_max, frame_skip=FRAME_SKIP,
                                          screen_size=SIZE, terminal_on_life_loss=episodic_life,
                                          grayscale_obs=True, scale_obs=False)
    # [4, 84, 84]; a reset's stack padded with zero frames, as AtariVectorEnv pads it (the
    # default, copies of the first frame, gave evaluation inputs training never saw).
    env = gym.wrappers.FrameStackObservation(env, STACK, padding_type="zero")
    env = gym.wrappers.TransformObservation(
        env, lambda obs: np.ascontiguousarray(np.transpose(obs, (1, 2, 0))),
        _channels_last(env.observation_space))
    if clip_rewards:
        env = gym.wrappers.ClipReward(env, -1.0, 1.0)
    return env


@gin.configurable
def make_atari_vector_env(env_id: str, num_envs: int, sticky_actions: bool = False,
                          noop_max: int = 30, episodic_life: bool = False,
                          clip_rewards: bool = False, max_episode_frames: int = 108_000,
                          full_action_space: bool = False, num_threads: int = 0):
    """AtariVectorEnv with the same preprocessing, SAME_STEP autoreset, channels-last."""
    from ale_py.vector_env import AtariVectorEnv

    env = AtariVectorEnv(_snake(game_of(env_id)), num_envs, num_threads=num_threads,
                         max_num_frames_per_episode=max_episode_frames,
                         repeat_action_probability=0.25 if sticky_actions else 0.0,
                         full_action_space=full_action_space, autoreset_mode="SameStep",
                         img_height=SIZE, img_width=SIZE, grayscale=True, stack_num=STACK,
                         frameskip=FRAME_SKIP, maxpool=True, noop_max=noop_max,
                         episodic_life=episodic_life, reward_clipping=clip_rewards,
                         use_fire_reset=False)
    return _ChannelsLastVector(env)


class _ChannelsLastVector(gym.vector.VectorWrapper):
    """[N, 4, 84, 84] -> [N, 84, 84, 4], info["final_obs"] included (gymnasium's own
    TransformObservation refuses SAME_STEP autoreset because it would miss final_obs)."""

    def __init__(self, env):
        super().__init__(env)
        self.single_observation_space = _channels_last(None)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space,
                                                              env.num_envs)

    @staticmethod
    def _transpose(frames):
        return np.ascontiguousarray(np.moveaxis(np.asarray(frames), -3, -1))

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        return self._transpose(obs), info

    def step(self, actions):
        obs, rewards, terminated, truncated, info = self.env.step(actions)
        if "final_obs" in info:
            final = info["final_obs"]
            if isinstance(final, np.ndarray) and final.dtype != object:
                info["final_obs"] = self._transpose(final)
            else:
                info["final_obs"] = np.array([None if f is None else self._transpose(f)
                                              for f in final], dtype=object)
        return self._transpose(obs), rewards, terminated, truncated, info


def make_atari_eval_vector_env(env_id: str, num_envs: int):
    """AtariVectorEnv with the evaluation protocol of make_atari_env's single envs as gin
    configures them (no-op starts, sticky actions, episode cap, action set), and never the
    training-only options (life loss as terminal, clipped rewards)."""
    single = gin.get_bindings("make_atari_env")
    keys = ("sticky_actions", "noop_max", "max_episode_frames", "full_action_space")
    defaults = dict(sticky_actions=False, noop_max=30, max_episode_frames=108_000,
                    full_action_space=False)
    protocol = {k: single.get(k, defaults[k]) for k in keys}
    return make_atari_vector_env(env_id, num_envs, episodic_life=False, clip_rewards=False,
                                 **protocol)
