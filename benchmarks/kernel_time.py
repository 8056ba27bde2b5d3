"""Where a compiled call's CPU time goes: TensorFlow's profiler over a few calls, each op's
time on its thread summed by kind (matmul, convolution, optimizer, other), in ms per call.

learner_throughput.py uses it to show what bounds a learner's speed: the kernels an update
cannot do without (its matmuls, convolutions and optimizer) against a peer's whole update.
"""
import collections
import glob
import re
import tempfile

import tensorflow as tf
from tensorflow.core.profiler.protobuf import xplane_pb2

# Substrings of op types (oneDNN's _MklMatMul, _MklNativeFusedConv2D, ResourceApplyAdam...).
KINDS = (("matmul", ("MatMul",)), ("convolution", ("Conv2D",)),
         ("optimizer", ("ApplyAdam", "ApplyRMSProp")))
# Ops that only hold other ops (their time is their body's, counted there).
CONTAINERS = {"While", "StatelessWhile", "If", "StatelessIf", "PartitionedCall",
              "StatefulPartitionedCall", "Case", "StatelessCase"}
OP_EVENT = re.compile(r"^[\w./\-]+:(\w+)$")  # "scope/op_name:OpType"


def kind_of(op_type: str) -> str:
    for kind, keys in KINDS:
        if any(key in op_type for key in keys):
            return kind
    return "other"


def op_times(xspace: xplane_pb2.XSpace) -> collections.Counter:
    """Picoseconds per op type over every thread of a profile."""
    times = collections.Counter()
    for plane in xspace.planes:
        for line in plane.lines:
            for event in line.events:
                match = OP_EVENT.match(plane.event_metadata[event.metadata_id].name)
                if match and match.group(1) not in CONTAINERS:
                    times[match.group(1)] += event.duration_ps
    return times


def kernel_ms(fn, calls: int) -> dict:
    """ms per call of `fn` by kind (and "total"): op time summed over TF's threads, so a
    call whose ops keep 2 cores busy shows up to 2x its wall time."""
    fn()  # traced and warm before the profile starts
    logdir = tempfile.mkdtemp(prefix="kernel_time")
    tf.profiler.experimental.start(logdir)
    try:
        for _ in range(calls):
            result = fn()
        tf.nest.map_structure(lambda t: t.numpy(), result)
    finally:
        tf.profiler.experimental.stop()
    xspace = xplane_pb2.XSpace()
    with open(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True)[0], "rb") as f:
        xspace.ParseFromString(f.read())
    ms = collections.Counter()
    for op_type, ps in op_times(xspace).items():
        ms[kind_of(op_type)] += ps / 1e9 / calls
    ms["total"] = sum(ms.values())
    return dict(ms)


def float_ops(graph) -> int:
    """Floating-point operations in a graph, as TF's profiler counts them (matmuls,
    convolutions and their gradients; element-wise ops mostly uncounted)."""
    from tensorflow.python.profiler import model_analyzer, option_builder
    options = option_builder.ProfileOptionBuilder(
        option_builder.ProfileOptionBuilder.float_operation()).with_empty_output().build()
    return model_analyzer.profile(graph, options=options).total_float_ops
