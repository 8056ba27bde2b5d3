"""Learner: Reverb dataset -> agent.train -> priorities back to Reverb, in one tf.function."""
from typing import Optional

import tensorflow as tf

from tfrainbow.replay import datasets


class Learner:
    """One compiled step: sample a batch, weight it, train, write priorities, track the max.

    Args:
      agent: a RainbowAgent (initialized).
      dataset: batches of ReplaySample(info, Transition), from `transition_dataset`.
      priority_updater: a PriorityUpdater, or None for uniform replay (no weights then).
      beta0, beta_anneal_updates: importance-sampling exponent, annealed to 1.
      updates_per_call: updates inside one compiled call (an in-graph loop over the
        prefetched batches), so the per-call dispatch is paid once for all of them.
    """

    def __init__(self, agent, dataset: tf.data.Dataset,
                 priority_updater: Optional[datasets.PriorityUpdater] = None,
                 beta0: float = 0.4, beta_anneal_updates: int = 100_000,
                 max_priority: Optional[tf.Variable] = None, updates_per_call: int = 1):
        self.agent, self.dataset = agent, dataset
        self.priority_updater = priority_updater
        self.beta0, self.beta_anneal_updates = float(beta0), int(beta_anneal_updates)
        # The highest priority seen: new items enter at it (Reverb does not expose the max).
        self.max_priority = max_priority if max_priority is not None else tf.Variable(
            1.0, dtype=tf.float64, trainable=False, name="max_priority")
        self.updates_per_call = int(updates_per_call)
        self._iterator = iter(dataset)
        self._step_fn = tf.function(self._steps)

    def step(self):
        """`updates_per_call` updates (the last one's LossInfo); None when the dataset timed
        out waiting for data (then retried)."""
        try:
            return self._step_fn(self._iterator)
        except tf.errors.OutOfRangeError:
            self._iterator = iter(self.dataset)
            return None

    def reset(self):
        """A new dataset iterator (after the server went away and came back)."""
        self._iterator = iter(self.dataset)

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
        beta = datasets.annealed_beta(self.agent.train_step, self.beta0,
                                      self.beta_anneal_updates)
        weights = datasets.importance_weights(sample.info.probability, sample.info.table_size,
                                              beta)
        loss_info = self.agent.train(sample.data, weights)
        written = self.priority_updater(sample.info.key, loss_info.extra.priorities)
        self.max_priority.assign(tf.maximum(self.max_priority, tf.reduce_max(written)))
        return loss_info
