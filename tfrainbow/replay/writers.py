"""Actor-side writers onto Reverb's TrajectoryWriter.

NStepTransitionWriter writes one item (s_t, a_t, R_t^(n), gamma_t^(n), s_t+m) per step of one
environment stream, m = min(n, steps left in the episode):
  - while the episode goes on, item t is written once s_t+n is known;
  - at a termination every pending window is written with discount 0 (no bootstrap);
  - at a truncation (time limit) every pending window is written with discount gamma^m and
    bootstraps from the last observation.
Observations are referenced from the writer's history, not copied: s_t and s_t+n of
different items share stored chunks.

With `frame_stack` k > 1 (Atari: observations [84, 84, k], newest frame last), each step
stores only its newest frame, and an item references the k frames of s_t and of s_t+m:
[k, 84, 84], which `stacked_observations` turns back into [84, 84, k] on the learner. A
reset stores the k - 1 older frames of the first stack (the env's padding) too, so every
stack comes back exactly as the env produced it, and each frame is stored once.
"""
from typing import Callable, List

import numpy as np
import reverb

from tfrainbow.errors import ConfigError
from tfrainbow.losses.nstep import window_return
from tfrainbow.specs import Transition

OBSERVATION, ACTION, RETURN, DISCOUNT = "observation", "action", "n_step_return", "discount"


class WriterStopped(Exception):
    """A blocking write was abandoned because the run is stopping."""


def flush_or_stop(writer: reverb.TrajectoryWriter, block_until_num_items: int, poll_ms: int,
                  should_stop: Callable[[], bool]):
    """writer.flush(block_until_num_items), polling every poll_ms; WriterStopped once
    should_stop() is true, so an insert the rate limiter holds back cannot hang a shutdown."""
    while True:
        try:
            writer.flush(block_until_num_items, timeout_ms=poll_ms)
            return
        except reverb.errors.DeadlineExceededError:
            if should_stop():
                raise WriterStopped() from None


class NStepTransitionWriter:
    """Writes n-step transitions of one environment stream to a Reverb table.

    Call `reset(observation)` at an episode's first observation, then
    `step(action, reward, terminated, truncated, next_observation)` after every env step.
    New items get `priority_fn()`: the highest priority the learner has seen (Schaul et al.
    2016), since Reverb does not expose a table's maximum.

    Episodes follow one another in one writer stream (no `end_episode`, whose flush would
    block on the rate limiter at every episode end); items never span two episodes. Blocking
    waits poll every `poll_ms` and raise WriterStopped once `should_stop()` is true, so a
    rate limiter holding inserts back can never hang a run that is shutting down.
    """

    def __init__(self, client: reverb.Client, table: str, n_step: int, gamma: float,
                 priority_fn: Callable[[], float] = lambda: 1.0,
                 max_in_flight_items: int = 8,
                 should_stop: Callable[[], bool] = lambda: False, poll_ms: int = 100,
                 clip_rewards: bool = False, frame_stack: int = 1):
        if n_step < 1:
            raise ConfigError(f"n_step must be >= 1, got {n_step}.")
        if frame_stack < 1:
            raise ConfigError(f"frame_stack must be >= 1, got {frame_stack}.")
        self.frame_stack = int(frame_stack)
        self._last_observation = None
        self.table, self.n_step, self.gamma = table, int(n_step), float(gamma)
        self._priority_fn = priority_fn
        self._max_in_flight_items = int(max_in_flight_items)
        self._should_stop, self._poll_ms = should_stop, int(poll_ms)
        self._clip_rewards = bool(clip_rewards)  # to [-1, 1] in R^(n) only (Atari training)
        # An item spans at most its window (n steps) plus the n - 1 extra steps that carry
        # the returns of the tail windows at an episode's end.
        # (and the k - 1 older frames of a stack).
        self._writer = client.trajectory_writer(
            num_keep_alive_refs=2 * self.n_step + self.frame_stack)
        self._num_steps = 0  # steps in the writer's history (the open one included)
        self._open = False  # whether the last step is still partial
        self._t = None  # history index of the latest observation; None outside an episode
        self._episode_start = self._first_open = 0  # history indices
        self._rewards: List[float] = []  # rewards of this episode, from _episode_start

    def reset(self, observation):
        """Begins an episode; an unfinished one (no end observed) is dropped unwritten."""
        if self._open:  # close the dangling step; no item references its placeholder action
            self._append({ACTION: np.int64(-1)}, partial=False)
        observation = np.asarray(observation)
        self._last_observation = None  # a new episode: its first stack follows nothing
        if self.frame_stack > 1:  # the first stack's older frames, as steps of their own
            self._check_stack(observation)
            for j in range(self.frame_stack - 1):
                self._append({OBSERVATION: np.ascontiguousarray(observation[..., j])},
                             partial=False)
        self._append({OBSERVATION: self._stored(observation)}, partial=True)
        self._t = self._episode_start = self._first_open = self._num_steps - 1
        self._rewards = []

    def step(self, action, reward, terminated: bool, truncated: bool, next_observation):
        """Records (a_t, r_t, s_t+1) and writes every window this step completes."""
        if self._t is None:
            raise RuntimeError("NStepTransitionWriter.step called before reset().")
        self._append({ACTION: np.asarray(action, np.int64)}, partial=False)  # closes step t
        self._append({OBSERVATION: self._stored(np.asarray(next_observation))}, partial=True)
        self._rewards.append(float(np.clip(reward, -1.0, 1.0)) if self._clip_rewards
                             else float(reward))
        self._t += 1
        if terminated or truncated:
            # The first tail window closes the open step s_T; each later one adds a step.
            while self._first_open < self._t:
                self._write_window(bool(terminated), partial=False)
            self._t = None
        elif self._t - self._first_open >= self.n_step:
            self._write_window(terminated=False, partial=True)
        self.flush(self._max_in_flight_items)

    def _check_stack(self, observation, previous=None):
        if observation.ndim < 1 or observation.shape[-1] != self.frame_stack or (
                previous is not None
                and not np.array_equal(observation[..., :-1], previous[..., 1:])):
            raise ConfigError(
                f"frame_stack = {self.frame_stack} needs observations that are stacks of "
                f"{self.frame_stack} frames on the last axis, shifted by one frame per step; "
                "set ReplayConfig.frame_stack = 1 for this environment.")

    def _stored(self, observation):
        """What a step stores: the observation, or only its newest frame."""
        if self.frame_stack == 1:
            return observation
        self._check_stack(observation, self._last_observation)
        self._last_observation = observation
        return np.ascontiguousarray(observation[..., -1])

    def _observation(self, index: int):
        """Reference to the observation at history `index`: one step, or its k frames."""
        column = self._writer.history[OBSERVATION]
        if self.frame_stack == 1:
            return column[index]
        start = index - self.frame_stack + 1
        # Open-ended when it reaches the newest step: Reverb maps a positive stop equal to
        # the history length to an empty slice.
        return column[start:] if index == self._num_steps - 1 else column[start:index + 1]

    def _append(self, data, partial: bool):
        if not self._open:
            self._num_steps += 1
        self._writer.append(data, partial_step=partial)
        self._open = partial

    def _write_window(self, terminated: bool, partial: bool):
        """Item for the window [first_open, t); its return rides on the latest step."""
        start = self._first_open
        rewards = self._rewards[start - self._episode_start:self._t - self._episode_start]
        ret, discount = window_return(rewards, self.gamma, terminated)
        self._append({RETURN: np.float32(ret), DISCOUNT: np.float32(discount)}, partial)
        history, last = self._writer.history, self._num_steps - 1
        item = Transition(observation=self._observation(start),
                          action=history[ACTION][start],
                          reward=history[RETURN][last],
                          discount=history[DISCOUNT][last],
                          next_observation=self._observation(self._t))
        self._writer.create_item(self.table, priority=float(self._priority_fn()), trajectory=item)
        self._first_open = start + 1

    def flush(self, block_until_num_items: int = 0):
        """Blocks until at most `block_until_num_items` items are unconfirmed by the server
        (inserts the rate limiter holds back wait here); raises WriterStopped on stop."""
        flush_or_stop(self._writer, block_until_num_items, self._poll_ms, self._should_stop)

    def close(self):
        """Closes the underlying TrajectoryWriter (pending items are dropped)."""
        self._writer.close()


def stored_observation_spec(observation_spec, frame_stack: int = 1):
    """The table's observation spec: as is, or [k, H, W] frames for a [H, W, k] stack."""
    import tensorflow as tf

    if frame_stack == 1:
        return observation_spec
    *frame_shape, k = observation_spec.shape.as_list()
    if k != frame_stack:
        raise ConfigError(f"ReplayConfig.frame_stack = {frame_stack}, but observations have "
                          f"shape {observation_spec.shape.as_list()}: set it to {k} or 1.")
    return tf.TensorSpec([k, *frame_shape], observation_spec.dtype)


def stacked_observations(frames, frame_stack: int = 1):
    """[B, k, H, W] stored frames -> [B, H, W, k] stacks (identity when k == 1)."""
    import tensorflow as tf

    if frame_stack == 1:
        return frames
    rank = frames.shape.rank
    return tf.transpose(frames, [0] + list(range(2, rank)) + [1])
