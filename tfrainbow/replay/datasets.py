"""tf.data from Reverb and in-graph priority updates (the importance weights: losses/prioritized.py)."""
import reverb
import tensorflow as tf

from tfrainbow.replay.writers import stacked_observations


def transition_dataset(server_address: str, table: str, batch_size: int,
                       rate_limiter_timeout_ms: int = -1,
                       frame_stack: int = 1) -> tf.data.Dataset:
    """Batches of ReplaySample(info, data: Transition) from a table with a signature.

    Sampling runs in Reverb's background workers and batches are prefetched, so the train
    step overlaps with the next batch's sampling. A `rate_limiter_timeout_ms` >= 0 ends the
    dataset when the rate limiter holds a sample back that long (a stalled or stopped actor).
    With frame_stack k > 1 the table holds frames stored once (see writers.py) and the
    stacks are rebuilt here.
    """
    dataset = reverb.TrajectoryDataset.from_table_signature(
        server_address, table, max_in_flight_samples_per_worker=2 * batch_size,
        rate_limiter_timeout_ms=rate_limiter_timeout_ms)
    dataset = dataset.batch(batch_size, drop_remainder=True)
    if frame_stack > 1:  # frames stored once: [B, k, H, W] -> [B, H, W, k] stacks
        def stack(sample):
            data = sample.data._replace(
                observation=stacked_observations(sample.data.observation, frame_stack),
                next_observation=stacked_observations(sample.data.next_observation,
                                                      frame_stack))
            return sample._replace(data=data)

        dataset = dataset.map(stack, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


class PriorityUpdater:
    """Writes new priorities back in-graph: one update_priorities call per batch."""

    def __init__(self, server_address: str, table: str, floor: float = 1e-3):
        self._client = reverb.TFClient(server_address)
        self.table, self.floor = table, float(floor)

    def __call__(self, keys, priorities):
        """keys [B] uint64, priorities [B] -> the floored priorities written (float64)."""
        priorities = tf.maximum(tf.cast(priorities, tf.float64), self.floor)
        self._client.update_priorities(self.table, keys, priorities)
        return priorities
