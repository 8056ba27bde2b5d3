"""The learners: a Reverb dataset into the agent's compiled update. Rainbow's also writes
priorities back; IMPALA's measures the policy lag of what it trained on."""
import gc
from typing import Optional

import numpy as np
import tensorflow as tf

from tfrainbow.losses import prioritized
from tfrainbow.policies.compiled import LazyFlatCall
from tfrainbow.replay import datasets

MAX_LAG_BIN = 1000  # learner updates; the lag histogram's last bin holds anything beyond


class _DatasetLearner:
    """What both learners do with their dataset's iterator."""

    def reset(self):
        """A new dataset iterator (after a timeout, or the server went away and came back)."""
        self._iterator = iter(self.dataset)

    def close(self):
        """Ends the iterator's prefetch threads now, while the server still answers: an
        iterator destroyed after its server stopped (at exit) waited for ever on a thread
        inside a Reverb sample, which retries a stopped server without end."""
        self._iterator = None
        gc.collect()


class Learner(_DatasetLearner):
    """One compiled step: sample a batch, weight it, train, write priorities, track the max.

    Args:
      agent: a RainbowAgent (initialized).
      dataset: batches of ReplaySample(info, Transition), from `transition_dataset`.
      priority_updater: a PriorityUpdater, or None for uniform replay (no weights then).
      beta0, beta_anneal_updates, beta_final: importance-sampling exponent, annealed from
        beta0 to beta_final (1 in Schaul et al.; beta0 keeps it constant).
      updates_per_call: updates inside one compiled call (an in-graph loop over the
        prefetched batches), so the per-call dispatch is paid once for all of them.
    """

    def __init__(self, agent, dataset: tf.data.Dataset,
                 priority_updater: Optional[datasets.PriorityUpdater] = None,
                 beta0: float = 0.4, beta_anneal_updates: int = 100_000,
                 max_priority: Optional[tf.Variable] = None, updates_per_call: int = 1,
                 beta_final: float = 1.0):
        self.agent, self.dataset = agent, dataset
        self.priority_updater = priority_updater
        self.beta0, self.beta_anneal_updates = float(beta0), int(beta_anneal_updates)
        self.beta_final = float(beta_final)
        # The highest priority seen: new items enter at it (Reverb does not expose the max).
        self.max_priority = max_priority if max_priority is not None else tf.Variable(
            1.0, dtype=tf.float64, trainable=False, name="max_priority")
        self.updates_per_call = int(updates_per_call)
        self._iterator = iter(dataset)
        self._step_fn = tf.function(self._steps)
        # Called flat: binding the iterator argument per call held the GIL for most of a
        # MinAtar update, starving the actor thread beside it (benchmarks/README.md).
        self._call = LazyFlatCall(self._step_fn)

    def step(self):
        """`updates_per_call` updates (the last one's LossInfo); None when the dataset timed
        out waiting for data (then retried)."""
        try:
            return self._call(self._iterator)
        except tf.errors.OutOfRangeError:
            self.reset()
            return None

    def progress_text(self) -> str:
        """What a progress line adds for this learner (nothing)."""
        return ""

    @property
    def step_trace_count(self) -> int:
        return self._step_fn.experimental_get_tracing_count()

    def _steps(self, iterator):
        loss_info = self._step(iterator)
        for _ in tf.range(self.updates_per_call - 1):  # autograph: a tf.while_loop
            loss_info = self._step(iterator)
        return loss_info

    def _step(self, iterator):
        sample = next(iterator)
        if self.priority_updater is None:
            return self.agent.train(sample.data)
        beta = prioritized.annealed_beta(self.agent.train_step, self.beta0,
                                         self.beta_anneal_updates, self.beta_final)
        weights = prioritized.importance_weights(sample.info.probability, sample.info.table_size,
                                              beta)
        loss_info = self.agent.train(sample.data, weights)
        written = self.priority_updater(sample.info.key, loss_info.extra.priorities)
        self.max_priority.assign(tf.maximum(self.max_priority, tf.reduce_max(written)))
        return loss_info


def lag_summary(counts: np.ndarray) -> dict:
    """Mean, median, 90th percentile and max of a lag histogram (counts[k]: lag k)."""
    total = int(counts.sum())
    if total == 0:
        return {"mean": 0.0, "p50": 0.0, "p90": 0.0, "max": 0.0}
    lags = np.arange(len(counts))
    cumulative = np.cumsum(counts)
    return {"mean": float((lags * counts).sum() / total),
            "p50": float(np.searchsorted(cumulative, 0.5 * total)),
            "p90": float(np.searchsorted(cumulative, 0.9 * total)),
            "max": float(lags[counts > 0].max())}


class ImpalaLearner(_DatasetLearner):
    """One compiled V-trace update per call on a batch from the unroll queue, for the
    one-process run and the split learner alike.

    The policy lag (learner step - behaviour step) of every trained step goes into a
    histogram: bounded memory however long the run (lags past the last bin count in it).
    """

    def __init__(self, agent, dataset: tf.data.Dataset):
        self.agent, self.dataset = agent, dataset
        self._iterator = iter(dataset)
        # Called flat: binding the iterator argument per call is a visible part of a small
        # network's update (policies/compiled.py).
        self._update = LazyFlatCall(tf.function(self._step))
        self.lag_counts = np.zeros(MAX_LAG_BIN + 1, np.int64)
        self.recent_lags = np.zeros(1, np.int64)  # of the last update's batch [T * B]
        self.last_step = int(agent.train_step)  # the train step after the last update

    def _step(self, iterator):
        unroll, versions = next(iterator)
        lag = self.agent.train_step - versions  # [T, B], before this update
        info = self.agent.train(unroll)
        return info, lag, self.agent.train_step.read_value()

    def step(self):
        """One update (its LossInfo); None when no unroll came within the dataset's timeout."""
        try:
            info, lag, step = self._update(self._iterator)
        except tf.errors.OutOfRangeError:
            self.reset()
            return None
        self.last_step = int(step)
        self.recent_lags = np.clip(lag.numpy().ravel(), 0, MAX_LAG_BIN)
        self.lag_counts += np.bincount(self.recent_lags, minlength=MAX_LAG_BIN + 1)
        return info

    def progress_text(self) -> str:
        """What a progress line adds: the mean policy lag of the last batch."""
        return f", policy lag {self.recent_lags.mean():.1f}"

    def lag_summary(self) -> dict:
        """The policy lag over every update so far."""
        return lag_summary(self.lag_counts)
