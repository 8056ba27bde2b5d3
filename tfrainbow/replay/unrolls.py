"""IMPALA's transport through Reverb: the unroll writer (actor side) and the time-major
unroll dataset (learner side). Weights travel through replay/weights.py."""
from typing import Callable

import numpy as np
import reverb
import tensorflow as tf
import tree

from tfrainbow.errors import ConfigError
from tfrainbow.replay.writers import flush_or_stop
from tfrainbow.specs import Trajectory

# An unroll's per-step fields and their dtypes: [T, E] each, behaviour_logits [T, E, A].
STEP_DTYPES = {"action": np.int64, "reward": np.float32, "terminated": np.bool_,
               "truncated": np.bool_, "behaviour_logits": np.float32,
               "policy_version": np.int64, "truncation_value": np.float32}


def unroll_signature(observation_spec, num_actions: int, unroll_length: int,
                     core_state_spec=(), envs: int = 1):
    """Reverb signature of one item: the unrolls of an actor's `envs` streams side by side,
    T + 1 observations and T of everything else: [T (+1), E, ...]."""
    T, E = unroll_length, envs

    def spec(shape, dtype):
        return tf.TensorSpec(shape, dtype)

    signature = {
        "observation": spec([T + 1, E] + observation_spec.shape.as_list(),
                            observation_spec.dtype),
        "first": spec([T + 1, E], tf.bool),
        "action": spec([T, E], tf.int64), "reward": spec([T, E], tf.float32),
        "terminated": spec([T, E], tf.bool), "truncated": spec([T, E], tf.bool),
        "behaviour_logits": spec([T, E, num_actions], tf.float32),
        "policy_version": spec([T, E], tf.int64), "truncation_value": spec([T, E], tf.float32),
    }
    if core_state_spec:
        signature["core_state"] = tuple(spec([E] + s.shape.as_list(), s.dtype)
                                        for s in core_state_spec)
    return signature


class UnrollWriter:
    """Writes fixed-length unrolls of a vector env's E streams, all E in one item; the
    bootstrap observation of one unroll is the first of the next (stored in both).

    The steps of an unroll are written in place into numpy columns and go to Reverb as one
    append of whole [T (+1), E, ...] columns and one item: Reverb's per-append cost is
    Python, so one append per unroll instead of one per step; in place rather than
    stacked per unroll, so no arrays are made per step (benchmarks/README.md).

    Per vector step: `observe(observation [E, ...], first [E], core_state)` then
    `act(action [E], logits [E, A], reward [E], terminated [E], truncated [E],
    policy_version, truncation_value [E])`. Episodes run on across unroll boundaries.
    """

    def __init__(self, client: reverb.Client, table: str, unroll_length: int,
                 should_stop: Callable[[], bool] = lambda: False, max_in_flight_items: int = 2,
                 poll_ms: int = 100):
        self.table, self.unroll_length = table, int(unroll_length)
        self._writer = client.trajectory_writer(num_keep_alive_refs=1)
        self._should_stop, self._poll_ms = should_stop, int(poll_ms)
        self._max_in_flight_items = int(max_in_flight_items)
        # The open unroll, written in place: {observation, first} [T + 1, E, ...] and the
        # STEP_DTYPES fields [T, E, ...], made at the first step (Reverb's append copies them, so
        # one set serves every unroll). Steps observed (T + 1 at most) and acted (T at most).
        self._observed, self._acted = None, None
        self._num_observed = self._num_acted = 0
        self._core_state = None  # the core state [E, ...] before the unroll's first step

    def observe(self, observation, first, core_state=None):
        """Opens step t with x_t [E, ...]; writes the unroll that x_t completes.
        `core_state`: the core state [E, ...] each stream had before x_t (LSTM; tensors or
        arrays, read only at an unroll's first step), or None."""
        if self._observed is None:
            observation = np.asarray(observation)
            self._observed = {
                "observation": np.empty((self.unroll_length + 1,) + observation.shape,
                                        observation.dtype),
                "first": np.empty((self.unroll_length + 1, len(observation)), np.bool_)}
        t = self._num_observed
        self._observed["observation"][t] = observation
        self._observed["first"][t] = first
        self._num_observed += 1
        if self._num_acted == self.unroll_length:  # x_t is this unroll's bootstrap obs
            self._write_unroll()
            for column in self._observed.values():  # ... and the next unroll's first
                column[0] = column[t]
            self._num_observed, self._num_acted = 1, 0
        if self._num_observed == 1 and core_state is not None:
            self._core_state = tuple(np.array(s) for s in core_state)

    def act(self, action, logits, reward, terminated, truncated, policy_version: int,
            truncation_value=None):
        """Closes step t with a_t [E], its behaviour logits [E, A] and what the env returned;
        `truncation_value` [E]: V(final observation) where a time limit cut (None: zeros)."""
        values = {"action": action, "behaviour_logits": logits, "reward": reward,
                  "terminated": terminated, "truncated": truncated,
                  "policy_version": policy_version,
                  "truncation_value": 0.0 if truncation_value is None else truncation_value}
        if self._acted is None:
            shape = (self.unroll_length, len(self._observed["first"][0]))  # [T, E]
            self._acted = {name: np.empty(shape + (np.shape(logits)[1:] if name ==
                                                   "behaviour_logits" else ()), dtype)
                           for name, dtype in STEP_DTYPES.items()}
        t = self._num_acted
        for name, value in values.items():
            self._acted[name][t] = value
        self._num_acted += 1

    def _write_unroll(self):
        data = {**self._observed, **self._acted}  # [T + 1, E, ...] and [T, E, ...]
        if self._core_state is not None:
            data["core_state"] = self._core_state
        self._writer.append(data)
        self._writer.create_item(self.table, priority=1.0, trajectory=tree.map_structure(
            lambda column: column[-1], self._writer.history))
        self._flush(self._max_in_flight_items)

    def _flush(self, block_until_num_items: int):
        flush_or_stop(self._writer, block_until_num_items, self._poll_ms, self._should_stop)

    def close(self):
        """Closes the underlying TrajectoryWriter."""
        self._writer.close()


def unroll_dataset(server_address: str, table: str, batch_size: int,
                   rate_limiter_timeout_ms: int = -1) -> tf.data.Dataset:
    """Batches of time-major Trajectory [T (+1), B, ...] and policy versions [T, B] from the
    unroll queue, prefetched: B / E items of E streams each (E from the table's signature)."""
    dataset = reverb.TrajectoryDataset.from_table_signature(
        server_address, table, max_in_flight_samples_per_worker=2 * batch_size,
        rate_limiter_timeout_ms=rate_limiter_timeout_ms)
    envs = dataset.element_spec.data["first"].shape[1]
    if batch_size % envs:
        raise ConfigError(f"The unroll batch size ({batch_size}) must be a multiple of the "
                          f"envs per actor ({envs}): set UnrollConfig.batch_size or "
                          f"UnrollConfig.envs_per_actor.")
    items = batch_size // envs

    def time_major(sample):
        data = sample.data

        def merge(x):  # [b, T, E, ...] -> [T, b * E, ...]
            x = tf.transpose(x, [1, 0] + list(range(2, x.shape.rank)))
            return tf.reshape(x, [x.shape[0], batch_size] + x.shape[3:].as_list())

        core_state = tuple(tf.reshape(s, [batch_size] + s.shape[2:].as_list())  # [b * E, ...]
                           for s in data.get("core_state", ()))
        return Trajectory(
            observation=merge(data["observation"]), first=merge(data["first"]),
            action=merge(data["action"]), reward=merge(data["reward"]),
            terminated=merge(data["terminated"]), truncated=merge(data["truncated"]),
            behaviour_logits=merge(data["behaviour_logits"]), core_state=core_state,
            truncation_value=merge(data["truncation_value"])), merge(data["policy_version"])

    return (dataset.batch(items, drop_remainder=True).map(time_major)
            .prefetch(tf.data.AUTOTUNE))
