"""IMPALA actor: runs the sampling (behaviour) policy on a vector env and writes unrolls;
pulls the learner's newest weights from the variable table every `pull_period` unrolls."""
import collections
from typing import Callable

import numpy as np
import tensorflow as tf

from tfrainbow.replay import unrolls
from tfrainbow.replay.tables import UNROLL_TABLE
from tfrainbow.replay.writers import WriterStopped


def truncation_values(value, observation, state, terminated, truncated, final_observations):
    """V(final observation) [E] of the envs a time limit (not a terminal) just ended, 0
    elsewhere: one batched `value(observations [E, ...], state)` call (the policy's
    compiled_value) over the new observations with the cut envs' final ones in place."""
    values = np.zeros(len(terminated), np.float32)
    cut = np.flatnonzero(np.asarray(truncated) & ~np.asarray(terminated))
    if len(cut):
        final = np.array(observation)
        for i in cut:
            final[i] = final_observations[i]
        values[cut] = value(tf.constant(final), state).numpy()[cut]
    return values


class ImpalaActor:
    """One batched policy step per vector step; the E sub-envs' unrolls travel as one item
    [T, E, ...] (one Reverb append per unroll), tagged with the learner step
    (`policy_version`) of the weights that acted: `weights.pull()` loads the learner's
    newest and returns their version, before the first step and every `pull_period`
    unrolls."""

    def __init__(self, env, agent, client, unroll_length: int,
                 should_stop: Callable[[], bool], pull_period: int = 1, seed: int = 0,
                 weights=None):
        self.env, self.agent, self.client, self.seed = env, agent, client, seed
        self.unroll_length, self.pull_period = int(unroll_length), int(pull_period)
        self.should_stop, self.pull = should_stop, weights.pull
        self.version = -1  # learner step of the weights acting now
        self.env_steps = self.episodes = 0
        self.episode_returns = collections.deque(maxlen=100)
        self.writer = unrolls.UnrollWriter(client, UNROLL_TABLE, unroll_length, should_stop)

    def run(self, on_steps: Callable[[int], None] = lambda n: None,
            on_episode: Callable[[float, int], None] = lambda r, n: None):
        """Acts until should_stop(); reports env steps and finished episodes."""
        env, network = self.env, self.agent.network
        num_envs = env.num_envs
        step = self.agent.collect_policy.compiled_step(num_envs)
        value = self.agent.collect_policy.compiled_value(num_envs)
        obs, _ = env.reset(seed=self.seed)
        first = np.ones(num_envs, bool)
        state = network.initial_state(num_envs)
        returns, lengths = np.zeros(num_envs), np.zeros(num_envs, np.int64)
        version = self.version = self.pull()
        steps = 0
        try:
            while not self.should_stop():
                self.writer.observe(obs, first, state or None)  # state: read per unroll
                actions, logits, state = step(tf.constant(obs), tf.constant(first), state)
                actions, logits = actions.numpy(), logits.numpy()
                obs, rewards, terminated, truncated, info = env.step(actions)
                self.writer.act(actions, logits, rewards, terminated, truncated, version,
                                truncation_values(value, obs, state, terminated, truncated,
                                                  info.get("final_obs")))
                returns += rewards
                lengths += 1
                first = terminated | truncated
                for i in np.flatnonzero(first):
                    self.episode_returns.append(float(returns[i]))
                    self.episodes += 1
                    on_episode(float(returns[i]), int(lengths[i]))
                    returns[i], lengths[i] = 0.0, 0
                steps += 1
                self.env_steps += num_envs
                on_steps(num_envs)
                if steps % (self.unroll_length * self.pull_period) == 0:
                    version = self.version = self.pull()
        except WriterStopped:
            pass

    def close(self):
        """Closes the unroll writer."""
        self.writer.close()


class UnrollReports:
    """An actor process's reports to the learner: env steps into the shared counter
    `env_steps` and finished episodes into the queue `episodes` as one list of (return,
    length), once per unroll (`steps_per_unroll` env steps over all envs) rather than per
    step (a lock per step and a pickled message per episode showed in an actor's
    profile; benchmarks/README.md). `writing` (a shared counter, optional) goes up by one after the first unroll."""

    def __init__(self, steps_per_unroll: int, env_steps, episodes, writing=None):
        self.steps_per_unroll = int(steps_per_unroll)
        self.env_steps, self.episodes, self.writing = env_steps, episodes, writing
        self.steps = self.reported = 0
        self.finished = []

    def on_episode(self, episode_return: float, length: int):
        """An episode ended: reported with its unroll."""
        self.finished.append((episode_return, length))

    def on_steps(self, n: int):
        """`n` more env steps (one vector step); reports at every unroll's end."""
        self.steps += n
        if self.steps % self.steps_per_unroll == 0:
            self.flush()
            if self.writing is not None and self.steps == self.steps_per_unroll:
                with self.writing.get_lock():
                    self.writing.value += 1

    def flush(self):
        """Reports what is pending now (also at the end, for a partial unroll)."""
        with self.env_steps.get_lock():
            self.env_steps.value += self.steps - self.reported
        self.reported = self.steps
        if self.finished:
            self.episodes.put(self.finished)
            self.finished = []
