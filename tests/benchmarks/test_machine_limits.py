"""benchmarks/machine_limits.py: the FLOP counts its GFLOP/s divide by are TF's own count of
the same ops (the profiler learner_throughput uses for updates), and the rates are real."""
import tensorflow as tf
from tensorflow.python.profiler import model_analyzer, option_builder

from benchmarks import machine_limits


def profiled_flops(fn, *specs):
    graph = tf.function(fn).get_concrete_function(*specs).graph
    options = option_builder.ProfileOptionBuilder(
        option_builder.ProfileOptionBuilder.float_operation()).with_empty_output().build()
    return model_analyzer.profile(graph, options=options).total_float_ops


def test_flop_counts_match_tf_profiler():
    n = machine_limits.MATMUL
    spec = tf.TensorSpec([n, n])
    assert profiled_flops(tf.matmul, spec, spec) == machine_limits.matmul_flops()
    x, w = (tf.TensorSpec(shape) for shape in machine_limits.CONV)
    conv = lambda x, w: tf.nn.conv2d(x, w, 1, "SAME")  # noqa: E731
    assert profiled_flops(conv, x, w) == machine_limits.conv_flops()


def test_limits_are_measured_rates():
    values = machine_limits.limits()
    assert set(values) == {"matmul", "convolution"}
    # A 2-core VM does tens of GFLOP/s; anything below 0.5 or above 100 TFLOP/s is a unit slip.
    assert all(0.5 < gflops < 100_000 for gflops in values.values())
    assert machine_limits.describe({"matmul": 63.4}) == "matmul 63 GFLOP/s"
