"""What every agent's train step shares: its result type and the non-finite loss guard."""
from typing import Any, NamedTuple

import tensorflow as tf

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
