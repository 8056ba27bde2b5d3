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
    info["final_obs"]); `tfrainbow.envs.make_vector_env` builds one. `pull` (optional): a
    call that loads the learner's newest weights and returns their version, made every
    `pull_period` vector steps (a split run's actor; one-process actors share the agent).
    """

    def __init__(self, env, policy, writers: Sequence[NStepTransitionWriter],
                 should_stop: Callable[[], bool], seed: int = 0, env_steps: int = 0,
                 episodes: int = 0, pull: Optional[Callable[[], int]] = None,
                 pull_period: int = 1):
        if len(writers) != env.num_envs:
            raise ValueError(f"Actor needs one writer per env: {len(writers)} writers for "
                             f"{env.num_envs} envs.")
        self.env, self.policy, self.writers, self.seed = env, policy, list(writers), seed
        self.should_stop = should_stop
        self.pull, self.pull_period = pull, int(pull_period)
        self.env_steps, self.episodes, self.version = int(env_steps), int(episodes), -1
        self.episode_returns = collections.deque(maxlen=100)  # undiscounted, env rewards
        self.episode_lengths = collections.deque(maxlen=100)
        self.error: Optional[BaseException] = None
        self._thread: Optional[threading.Thread] = None

    def run(self, on_steps: Callable[[int], None] = lambda n: None,
            on_episode: Callable[[float, int], None] = lambda r, n: None):
        """Acts until `should_stop()`; reports env steps (per vector step) and finished
        episodes (return, length)."""
        num_envs = self.env.num_envs
        act = self.policy.compiled_action(num_envs)
        obs, _ = self.env.reset(seed=self.seed + self.env_steps)
        for writer, first in zip(self.writers, obs):
            writer.reset(first)
        returns, lengths = np.zeros(num_envs), np.zeros(num_envs, np.int64)
        steps = 0
        try:
            while not self.should_stop():
                if self.pull is not None and steps % self.pull_period == 0:
                    self.version = self.pull()
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
                        on_episode(float(returns[i]), int(lengths[i]))
                        returns[i], lengths[i] = 0.0, 0
                        writer.reset(next_obs[i])
                obs = next_obs
                self.env_steps += num_envs
                steps += 1
                on_steps(num_envs)
        except WriterStopped:
            pass

    def start(self, on_episode: Callable[[float, int], None] = lambda r, n: None):
        """Runs in a background thread; an exception is kept in `self.error`."""
        def target():
            try:
                self.run(on_episode=on_episode)
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

    def close(self):
        """Closes the writers (flushing what they hold)."""
        for writer in self.writers:
            writer.close()
