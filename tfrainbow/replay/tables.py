"""Reverb table builders. Plumbing only: no RL math here."""
import reverb
import tensorflow as tf

from tfrainbow.errors import ConfigError

# Table names every role agrees on (one server serves one agent).
REPLAY_TABLE, UNROLL_TABLE, VARIABLE_TABLE = "replay", "unrolls", "variables"


def rate_limiter(samples_per_insert: float, min_size_to_sample: int,
                 error_buffer: float = None) -> reverb.rate_limiters.RateLimiter:
    """SampleToInsertRatio keeping sampled items per inserted item near `samples_per_insert`.

    The default error buffer lets the actor run ahead or the learner lag by a few batches, so
    neither side stalls on every call while the ratio holds on average."""
    if samples_per_insert <= 0:
        raise ConfigError(f"samples_per_insert must be > 0, got {samples_per_insert}.")
    if min_size_to_sample < 1:
        raise ConfigError(f"min_size_to_sample must be >= 1, got {min_size_to_sample}.")
    if error_buffer is None:
        error_buffer = max(8.0 * samples_per_insert, 256.0)
    return reverb.rate_limiters.SampleToInsertRatio(samples_per_insert, min_size_to_sample,
                                                    error_buffer)


def prioritized_table(name: str, signature, max_size: int = 100_000,
                      priority_exponent: float = 0.5, prioritized: bool = True,
                      min_size_to_sample: int = 1000, samples_per_insert: float = 32.0,
                      error_buffer: float = None) -> reverb.Table:
    """Replay table: Prioritized(omega) sampler (uniform when `prioritized=False`), FIFO
    removal at `max_size` items, a SampleToInsertRatio rate limiter, and a signature.

    Args:
      priority_exponent: omega of Schaul et al. 2016 (P(i) = p_i^omega / sum_k p_k^omega);
        Rainbow uses 0.5.
      prioritized: Rainbow's prioritized-replay switch; off samples uniformly.
      samples_per_insert: sampled items per inserted item (= batch size x updates per
        inserted transition).
    """
    if max_size < min_size_to_sample:
        raise ConfigError(f"Replay max_size ({max_size}) must be >= min_size_to_sample "
                         f"({min_size_to_sample}).")
    sampler = (reverb.selectors.Prioritized(priority_exponent) if prioritized
               else reverb.selectors.Uniform())
    return reverb.Table(name=name, sampler=sampler, remover=reverb.selectors.Fifo(),
                        max_size=int(max_size),
                        rate_limiter=rate_limiter(samples_per_insert, min_size_to_sample,
                                                  error_buffer),
                        signature=signature)


def signature_of(spec_nest):
    """Reverb signature (unbatched tf.TensorSpecs) from a nest of specs."""
    return tf.nest.map_structure(lambda s: tf.TensorSpec(s.shape, s.dtype, s.name), spec_nest)


def unroll_queue_table(name: str, signature, max_size: int = 64) -> reverb.Table:
    """A FIFO queue of unrolls: each is sampled once and removed (IMPALA's transport). Full,
    it blocks actors (back-pressure); empty, it blocks the learner."""
    if max_size < 1:
        raise ConfigError(f"The unroll queue needs max_size >= 1, got {max_size}.")
    return reverb.Table.queue(name, max_size=int(max_size), signature=signature)


def variable_table(name: str, signature) -> reverb.Table:
    """Holds the latest published weights (one item); actors read it as often as they like."""
    return reverb.Table(name=name, sampler=reverb.selectors.Fifo(),
                        remover=reverb.selectors.Fifo(), max_size=1, max_times_sampled=0,
                        rate_limiter=reverb.rate_limiters.MinSize(1), signature=signature)
