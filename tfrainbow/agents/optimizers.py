"""FusedAdam: Keras' Adam, with each dense update done by TF's fused Adam kernel.

Keras 2.15's Adam updates a variable with about a dozen element-wise ops (m, v, then the
step), each a pass over memory; `ResourceApplyAdam` (what tf.compat.v1's AdamOptimizer
runs) does the same arithmetic in one kernel (benchmarks/learner_throughput.py's "Keras
Adam" row measures the difference).
"""
import gin
import tensorflow as tf

from tfrainbow.networks.precision import float32_variable


@gin.configurable
class FusedAdam(tf.keras.optimizers.Adam):
    """`tf.keras.optimizers.Adam` (same arguments, slots and checkpoints) whose dense,
    non-AMSGrad update is `ResourceApplyAdam`. The rule (Kingma & Ba 2015, Algorithm 1 in
    the "epsilon hat" form of Sec. 2, as Keras and Dopamine's TF1 Adam run it), at step t:

        m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
        theta <- theta - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)

    Sparse gradients (IndexedSlices) and `amsgrad=True` take Keras' own update. XLA is off
    by default (`jit_compile=False`): the fused kernel is the fast path on CPU.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, jit_compile=False, name="FusedAdam", **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, jit_compile=jit_compile, name=name,
                         **kwargs)

    def update_step(self, gradient, variable):
        if self.amsgrad or isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable)
        dtype = variable.dtype
        index = self._index_dict[self._var_key(variable)]
        local_step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = _constant(self.beta_1, dtype), _constant(self.beta_2, dtype)
        return tf.raw_ops.ResourceApplyAdam(
            var=_handle(variable), m=_handle(self._momentums[index]),
            v=_handle(self._velocities[index]), beta1_power=tf.pow(beta_1, local_step),
            beta2_power=tf.pow(beta_2, local_step), lr=tf.cast(self.learning_rate, dtype),
            beta1=beta_1, beta2=beta_2, epsilon=_constant(self.epsilon, dtype), grad=gradient)


def _constant(value, dtype):
    # tf.cast(0.9, tf.float64) goes through float32 (0.8999999762): a float becomes a
    # constant of the variable's dtype directly.
    return tf.cast(value, dtype) if tf.is_tensor(value) else tf.constant(value, dtype)


def _handle(variable):
    return float32_variable(variable).handle  # mixed precision's AutoCastVariable unwrapped
