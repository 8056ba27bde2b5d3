"""Actor: steps a gymnasium vector env with the collect policy and writes to Reverb."""
import collections
import threading
from typing import Callable, Optional, Sequence

import numpy as np
import tensorflow as tf

from tfrainbow.replay.writers import NStepTransitionWriter, WriterStopped


class Actor:
    """One batched policy call per vector step; each sub-env has its own n-step writer.

    The env must autoreset in SAME_STEP mode (the final observation of an ended episode in
    info["final_obs"]); `tfrainbow.envs.make_vector_env` builds one.
    """

    def __init__(self, env, policy, writers: Sequence[NStepTransitionWriter], seed: int = 0,
                 env_steps: int = 0, episodes: int = 0):
        if len(writers) != env.num_envs:
            raise ValueError(f"Actor needs one writer per env: {len(writers)} writers for "
                             f"{env.num_envs} envs.")
        self.env, self.policy, self.writers, self.seed = env, policy, list(writers), seed
        self.env_steps, self.episodes = int(env_steps), int(episodes)
        self.episode_returns = collections.deque(maxlen=100)  # undiscounted, env rewards
        self.episode_lengths = collections.deque(maxlen=100)
        self.error: Optional[BaseException] = None
        self._thread: Optional[threading.Thread] = None

    def run(self, should_stop: Callable[[], bool], max_env_steps: Optional[int] = None,
            every_step: Optional[Callable[[], None]] = None):
        """Acts until `should_stop()` or `max_env_steps` total env steps; calls
        `every_step()` (a weight pull, say) before each vector step."""
        num_envs = self.env.num_envs
        act = self.policy.compiled_action(num_envs)
        obs, _ = self.env.reset(seed=self.seed + self.env_steps)
        for writer, first in zip(self.writers, obs):
            writer.reset(first)
        returns, lengths = np.zeros(num_envs), np.zeros(num_envs, np.int64)
        try:
            while not should_stop() and (max_env_steps is None
                                         or self.env_steps < max_env_steps):
                if every_step is not None:
                    every_step()
                actions = act(tf.constant(obs)).numpy()  # [num_envs]
                next_obs, rewards, terminated, truncated, info = self.env.step(actions)
                returns += rewards
                lengths += 1
                for i, writer in enumerate(self.writers):
                    done = terminated[i] or truncated[i]
                    last = info["final_obs"][i] if done else next_obs[i]
                    writer.step(actions[i], rewards[i], terminated[i], truncated[i], last)
                    if done:
                        self.episode_returns.append(float(returns[i]))
                        self.episode_lengths.append(int(lengths[i]))
                        self.episodes += 1
                        returns[i], lengths[i] = 0.0, 0
                        writer.reset(next_obs[i])
                obs = next_obs
                self.env_steps += num_envs
        except WriterStopped:
            pass

    def start(self, should_stop: Callable[[], bool], max_env_steps: Optional[int] = None):
        """Runs in a background thread; an exception is kept in `self.error`."""
        def target():
            try:
                self.run(should_stop, max_env_steps)
            except BaseException as error:  # surfaced by the caller, never swallowed
                self.error = error

        self._thread = threading.Thread(target=target, name="actor", daemon=True)
        self._thread.start()

    def is_alive(self) -> bool:
        """Whether the background actor thread is still running."""
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: Optional[float] = None):
        """Waits for the background actor thread to end."""
        if self._thread is not None:
            self._thread.join(timeout)
