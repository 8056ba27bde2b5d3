"""Weights from the learner to actors through Reverb's variable table (both agents): the
publisher (learner side) and the subscriber (actor side)."""
from typing import Callable, Sequence

import numpy as np
import reverb
import tensorflow as tf
import tree

from tfrainbow.networks.precision import float32_variable
from tfrainbow.replay.writers import flush_or_stop


class NonFiniteWeights(FloatingPointError):
    """A publication or checkpoint was refused: some weight is NaN or infinite."""


def all_finite(variables: Sequence[tf.Variable]) -> bool:
    """Whether every value of every variable is finite."""
    return all(np.isfinite(read_value(v)).all() for v in variables)


class WeightsPublisher:
    """Learner side: puts (version, weights) in the variable table, replacing the last."""

    def __init__(self, client: reverb.Client, table: str):
        self._writer = client.trajectory_writer(num_keep_alive_refs=1)
        self.table = table

    def publish(self, version: int, variables: Sequence[tf.Variable],
                should_stop: Callable[[], bool] = lambda: False):
        """Publishes the weights as learner step `version`; blocks until stored (polling,
        so that a stop request ends the wait: WriterStopped). Non-finite weights are never
        published (NonFiniteWeights): an actor would act on NaN logits."""
        weights = tuple(read_value(v) for v in variables)
        if not all(np.isfinite(w).all() for w in weights):
            raise NonFiniteWeights(f"the weights of update {version:,} are not finite")
        self._writer.append({"version": np.int64(version), "weights": weights})
        self._writer.create_item(self.table, 1.0, {
            "version": self._writer.history["version"][-1],
            "weights": tuple(c[-1] for c in self._writer.history["weights"])})
        flush_or_stop(self._writer, 0, 500, should_stop)

    def close(self):
        """Closes the underlying TrajectoryWriter."""
        self._writer.close()


def read_value(variable: tf.Variable) -> np.ndarray:
    """The variable's value by one raw read op (`Variable.numpy()` runs a read, then an
    identity op)."""
    variable = float32_variable(variable)
    return tf.raw_ops.ReadVariableOp(resource=variable.handle, dtype=variable.dtype).numpy()


def weights_signature(variables: Sequence[tf.Variable]):
    """Signature of the variable table for these variables."""
    return {"version": tf.TensorSpec([], tf.int64),
            "weights": tuple(tf.TensorSpec(v.shape, v.dtype) for v in variables)}


class WeightsSubscriber:
    """Actor side: `pull()` assigns the latest published weights and returns their version
    (learner step); blocks until the learner has published once.

    Cheap enough to pull before every unroll (IMPALA's actors do): one sampler lives as long
    as the subscriber (a new one per pull costs a gRPC stream and a thread on both ends), the
    table's structure is known locally (no server_info round trip), and the variables are
    assigned, one raw op each, only when the version changed."""

    def __init__(self, client: reverb.Client, table: str, variables: Sequence[tf.Variable]):
        self._client, self._table, self._variables = client, table, list(variables)
        self._structure = weights_signature(self._variables)
        self._samples = None  # the persistent sampler's stream of samples
        self.version = None

    def _newest_sample(self):
        if self._samples is None:
            self._samples = self._client.sample(self._table, num_samples=2 ** 62,
                                                emit_timesteps=False,
                                                unpack_as_table_signature=False)
            return next(self._samples)
        try:
            # The sampler keeps one sample in flight, requested when the last pull took its
            # sample, i.e. possibly stale: drop it and take the one it requests now.
            next(self._samples)
            return next(self._samples)
        except Exception:
            self._samples = None  # e.g. the server went away: the next pull starts anew
            raise

    def pull(self) -> int:
        """Assigns the newest published weights (if new); returns their version."""
        data = tree.unflatten_as(self._structure, self._newest_sample().data)
        version = int(data["version"])
        if version != self.version:
            for variable, value in zip(self._variables, data["weights"]):
                # Shapes and dtypes match: the table's signature is built from these
                # variables. A third of Variable.assign's cost (no read-back, no checks).
                tf.raw_ops.AssignVariableOp(resource=variable.handle, value=value)
            self.version = version
        return version
