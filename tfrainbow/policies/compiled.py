"""FlatCall: a compiled function's per-step call without per-call binding (the actors'
policy step, the IMPALA learner's update)."""
import tensorflow as tf


class FlatCall:
    """Calls a concrete function with its inputs flattened by `tf.nest` (composites such as
    a dataset iterator expanded to their tensors) and passed straight to the function
    (`ConcreteFunction._call_flat`, TF 2.15, which the stack pins): no per-call signature
    binding, which is a visible part of a small network's call (an actor's step, an IMPALA
    CartPole update taking its iterator; benchmarks/README.md). Outputs keep their structure. Inputs are not checked against the
    signature: they must be tensors (or iterators) of its shapes and dtypes, as the
    callers' own are."""

    def __init__(self, concrete_function):
        self.concrete_function = concrete_function
        self._captured = concrete_function.captured_inputs

    def __call__(self, *args):
        return self.concrete_function._call_flat(tf.nest.flatten(args, expand_composites=True),
                                                 self._captured)


class LazyFlatCall:
    """A tf.function called flat (FlatCall) from its first call's concrete function, traced
    for those arguments: for callers whose argument is made later, such as a dataset
    iterator (a re-created iterator of the same dataset has the same spec)."""

    def __init__(self, function):
        self.function, self._call = function, None

    def __call__(self, *args):
        if self._call is None:
            self._call = FlatCall(self.function.get_concrete_function(*args))
        return self._call(*args)
