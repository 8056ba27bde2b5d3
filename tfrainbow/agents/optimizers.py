"""FusedAdam: Keras' Adam, with each dense update done by TF's fused Adam kernel.

Keras 2.15's Adam updates a variable with about a dozen element-wise ops (m, v, then the
step), each a pass over memory; `ResourceApplyAdam` (what tf.compat.v1's AdamOptimizer
runs) does the same arithmetic in one kernel (benchmarks/learner_throughput.py's "Keras
Adam" row measures the difference).
"""
from typing import Optional

import gin
import tensorflow as tf

from tfrainbow.errors import ConfigError
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


@gin.configurable
class ReferenceRMSProp(tf.keras.optimizers.Optimizer):
    """RMSProp as IMPALA's reference implementation ran it (TF1's
    `tf.train.RMSPropOptimizer`, uncentered), one fused `ResourceApplyRMSProp` per variable:

        ms <- rho ms + (1 - rho) g^2;   mom <- momentum mom + lr g / sqrt(ms + epsilon)
        theta <- theta - mom

    with the mean square `ms` starting at 1, not 0, and epsilon inside the root. Keras'
    RMSprop starts ms at 0 and adds epsilon outside the root, so its first steps are up to
    1 / sqrt(1 - rho) (10x at rho = 0.99) larger for small gradients. Paper's Atari values:
    lr 6e-4 (annealed linearly to 0), rho 0.99, momentum 0, epsilon 0.01.
    """

    def __init__(self, learning_rate=6e-4, rho: float = 0.99, momentum: float = 0.0,
                 epsilon: float = 0.01, jit_compile=False, name="ReferenceRMSProp", **kwargs):
        super().__init__(name=name, jit_compile=jit_compile, **kwargs)
        self._learning_rate = self._build_learning_rate(learning_rate)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)

    def build(self, var_list):
        """Slots per variable: the mean square (ones, as TF1) and the momentum (zeros)."""
        super().build(var_list)
        if hasattr(self, "_built") and self._built:
            return
        self._built = True
        self._mean_squares, self._moments = [], []
        for variable in var_list:
            self._mean_squares.append(self.add_variable_from_reference(
                variable, "ms", initial_value=tf.ones_like(float32_variable(variable))))
            self._moments.append(self.add_variable_from_reference(variable, "momentum"))

    def update_step(self, gradient, variable):
        """The TF1 rule above, in one kernel."""
        dtype = variable.dtype
        index = self._index_dict[self._var_key(variable)]
        if isinstance(gradient, tf.IndexedSlices):
            gradient = tf.convert_to_tensor(gradient)
        return tf.raw_ops.ResourceApplyRMSProp(
            var=_handle(variable), ms=_handle(self._mean_squares[index]),
            mom=_handle(self._moments[index]), lr=tf.cast(self.learning_rate, dtype),
            rho=_constant(self.rho, dtype), momentum=_constant(self.momentum, dtype),
            epsilon=_constant(self.epsilon, dtype), grad=gradient)

    def get_config(self):
        config = super().get_config()
        config.update(learning_rate=self._serialize_hyperparameter(self._learning_rate),
                      rho=self.rho, momentum=self.momentum, epsilon=self.epsilon)
        return config


@gin.configurable
def linear_decay_to_zero(learning_rate: float = gin.REQUIRED, decay_updates: int = gin.REQUIRED):
    """The learning rate annealed linearly from `learning_rate` to 0 over `decay_updates`
    optimizer steps (the IMPALA paper's schedule), then 0."""
    return tf.keras.optimizers.schedules.PolynomialDecay(
        float(learning_rate), int(decay_updates), end_learning_rate=0.0, power=1.0)


def updates_to_zero(optimizer) -> Optional[int]:
    """The optimizer step from which its learning rate is 0 for good (a schedule annealed to
    0 such as linear_decay_to_zero: its decay_updates); None for a constant rate or a
    schedule that never reaches 0."""
    schedule = getattr(optimizer, "_learning_rate", None)  # Keras 2.15 keeps it there
    if (isinstance(schedule, tf.keras.optimizers.schedules.PolynomialDecay)
            and not schedule.cycle and float(schedule.end_learning_rate) == 0.0):
        return int(schedule.decay_steps)
    return None


def check_schedule_spans(optimizer, budget_updates: Optional[int], budget: str):
    """Raises ConfigError where the learning rate reaches 0 before a run's last update (the
    rest of the run would train at rate 0): `budget` says how budget_updates was set."""
    zero = updates_to_zero(optimizer)
    if budget_updates is None or zero is None or zero >= budget_updates:
        return
    raise ConfigError(
        f"The learning rate is annealed to 0 at update {zero:,}, before the run's "
        f"{budget_updates:,} updates ({budget}): the rest would train at rate 0. Set "
        f"linear_decay_to_zero.decay_updates = {budget_updates} (or a smaller budget).")
