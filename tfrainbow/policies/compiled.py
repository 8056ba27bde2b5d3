"""FlatCall: the actors' per-step call of a compiled policy, without per-call binding."""
import tensorflow as tf


class FlatCall:
    """Calls a concrete function with its inputs flattened by `tf.nest` and passed straight
    to the function (`ConcreteFunction._call_flat`, TF 2.15, which the stack pins): no
    per-call signature binding, ~150 of ~740 us per call of the IMPALA actors' step on
    this 2-core CPU (1 TF thread, as in an actor process). Outputs keep their structure.
    Inputs are not checked against the signature: they must be tensors of its shapes and
    dtypes, as the actors' own calls are."""

    def __init__(self, concrete_function):
        self.concrete_function = concrete_function
        self._captured = concrete_function.captured_inputs

    def __call__(self, *args):
        return self.concrete_function._call_flat(tf.nest.flatten(args), self._captured)
