"""benchmarks/kernel_time.py: op times from a real TF profile, summed by kind; loops and
function calls are not counted on top of the ops inside them."""

import pytest
import tensorflow as tf
from tensorflow.core.profiler.protobuf import xplane_pb2

from benchmarks import kernel_time


@pytest.mark.parametrize("op_type, kind", [
    ("_MklMatMul", "matmul"), ("_MklNativeFusedMatMul", "matmul"), ("BatchMatMulV2", "matmul"),
    ("_MklNativeFusedConv2D", "convolution"), ("Conv2DBackpropFilter", "convolution"),
    ("ResourceApplyAdam", "optimizer"), ("ResourceApplyRMSProp", "optimizer"),
    ("Sub", "other"), ("RandomStandardNormal", "other")])
def test_kind_of(op_type, kind):
    assert kernel_time.kind_of(op_type) == kind


def xspace(events):
    """An XSpace of one plane, one line per thread: events (thread, name, duration_ps)."""
    space = xplane_pb2.XSpace()
    plane = space.planes.add(name="/host:CPU")
    lines, ids = {}, {}
    for thread, name, duration_ps in events:
        if name not in ids:
            ids[name] = len(ids) + 1
            plane.event_metadata[ids[name]].name = name
        if thread not in lines:
            lines[thread] = plane.lines.add(name=thread)
        lines[thread].events.add(metadata_id=ids[name], duration_ps=duration_ps)
    return space


def test_op_times_sums_op_events_by_type_across_threads():
    space = xspace([
        ("python", "EagerLocalExecute: __inference_train_12", 900),  # not an op
        ("tf_Compute/1", "ExecutorState::Process", 800),  # not an op
        ("tf_Compute/1", "dense/MatMul:_MklMatMul", 100),
        ("tf_Compute/2", "dense_1/MatMul:_MklMatMul", 30),
        ("tf_Compute/2", "FusedAdam/ResourceApplyAdam_3:ResourceApplyAdam", 50),
        ("tf_Compute/1", "sub_1:Sub", 7),
        ("tf_Compute/1", "StatefulPartitionedCall:StatefulPartitionedCall", 500),  # holds ops
        ("tf_Compute/2", "cond:If", 400),  # holds ops
    ])
    assert kernel_time.op_times(space) == {"_MklMatMul": 130, "ResourceApplyAdam": 50,
                                           "Sub": 7}


def test_kernel_ms_splits_a_real_profile_by_kind():
    x = tf.random.normal([64, 512])
    w = tf.Variable(tf.random.normal([512, 512]))
    images = tf.random.normal([8, 32, 32, 4])
    filters = tf.random.normal([3, 3, 4, 16])
    optimizer = tf.keras.optimizers.legacy.Adam(1e-3)  # one ResourceApplyAdam per variable

    @tf.function
    def step():
        y = x
        for _ in tf.range(4):  # ops inside a loop count too
            y = tf.matmul(y, w) / 512.0
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.matmul(x, w))
        optimizer.apply_gradients([(tape.gradient(loss, w), w)])
        return tf.reduce_sum(y) + tf.reduce_sum(tf.nn.conv2d(images, filters, 1, "SAME"))

    ms = kernel_time.kernel_ms(step, calls=20)
    assert ms["matmul"] > 0 and ms["convolution"] > 0 and ms["optimizer"] > 0
    assert ms["total"] == pytest.approx(sum(v for k, v in ms.items() if k != "total"))
