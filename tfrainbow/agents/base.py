"""What every agent's train step shares: its result type, the non-finite loss guard and the
check of the optimizer it is given."""
from typing import Any, NamedTuple

import numpy as np
import tensorflow as tf

from tfrainbow.errors import ConfigError

# The message of the InvalidArgumentError a train step raises on a NaN or infinite loss;
# the run loop turns it into one line (tfrainbow.errors.NonFiniteLossError).
NON_FINITE_LOSS = "loss is NaN or infinite"


class LossInfo(NamedTuple):
    loss: Any  # scalar: the (importance-weighted) mean loss
    extra: Any  # the agent's terms (RainbowLossExtra, ImpalaLossExtra)


def check_finite_loss(loss, agent_name: str):
    """`loss`, or an InvalidArgumentError before the update is applied, so that the weights
    stay finite and the last checkpoint stays good."""
    return tf.debugging.check_numerics(loss, f"{agent_name} {NON_FINITE_LOSS}")


def check_optimizer(optimizer, agent_name: str):
    """A ConfigError unless the optimizer's learning rate (a constant; a schedule is its own
    business) is finite and non-negative as the float32 variable Keras keeps: 1e39 is inf
    there, every update would make the weights NaN and every checkpoint would keep inf."""
    rate = optimizer.learning_rate
    if isinstance(rate, tf.keras.optimizers.schedules.LearningRateSchedule):
        return
    value = float(tf.convert_to_tensor(rate))
    if not np.isfinite(value) or value < 0:
        raise ConfigError(
            f"{agent_name}'s optimizer {type(optimizer).__name__} has learning_rate {value} "
            "as a float32 (a value past 3.4e38 overflows to inf); bind a finite, non-negative "
            "learning rate.")
