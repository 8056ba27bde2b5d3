"""Weights transport: the learner's publisher and the actors' subscriber on a real server."""
import numpy as np
import pytest
import reverb
import tensorflow as tf

from tfrainbow.replay import tables, weights


def test_weights_published_by_the_learner_reach_an_actor():
    learner_vars = [tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3)),
                    tf.Variable([1.5])]
    actor_vars = [tf.Variable(tf.zeros([2, 3])), tf.Variable([0.0])]
    table = tables.variable_table("variables", weights.weights_signature(learner_vars))
    server = reverb.Server([table], port=None)
    client = reverb.Client(f"localhost:{server.port}")
    publisher = weights.WeightsPublisher(client, "variables")
    publisher.publish(7, learner_vars)
    learner_vars[1].assign([2.5])
    publisher.publish(8, learner_vars)  # replaces version 7
    subscriber = weights.WeightsSubscriber(client, "variables", actor_vars)
    assert subscriber.pull() == 8
    for a, b in zip(actor_vars, learner_vars):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    actor_vars[1].assign([-1.0])
    assert subscriber.pull() == 8  # same version: the variables are not re-assigned
    np.testing.assert_array_equal(actor_vars[1].numpy(), [-1.0])
    learner_vars[0].assign(-learner_vars[0])
    publisher.publish(9, learner_vars)
    assert subscriber.pull() == 9
    for a, b in zip(actor_vars, learner_vars):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert client.server_info()["variables"].current_size == 1
    for version in range(10, 60):  # the subscriber's one sampler never hands an old sample
        learner_vars[1].assign([float(version)])
        publisher.publish(version, learner_vars)
        assert subscriber.pull() == version
        np.testing.assert_array_equal(actor_vars[1].numpy(), [float(version)])
    publisher.close()
    server.stop()


def test_read_value_reads_plain_and_mixed_precision_variables_in_float32():
    plain = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(weights.read_value(plain), plain.numpy())
    tf.keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        layer = tf.keras.layers.Dense(3)
        layer.build([None, 2])
    finally:
        tf.keras.mixed_precision.set_global_policy("float32")
    assert type(layer.kernel).__name__ == "AutoCastVariable"
    value = weights.read_value(layer.kernel)
    assert value.dtype == np.float32
    np.testing.assert_array_equal(value, layer.kernel.numpy())
    held = weights.read_value(plain)
    plain.assign_add(tf.ones([2, 3]))  # a later update leaves what was read as it was
    np.testing.assert_array_equal(held, np.arange(6, dtype=np.float32).reshape(2, 3))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_never_published(bad):
    good = [tf.Variable([1.0, 2.0]), tf.Variable(np.float64(1.0))]
    table = tables.variable_table("variables", weights.weights_signature(good))
    server = reverb.Server([table], port=None)
    client = reverb.Client(f"localhost:{server.port}")
    publisher = weights.WeightsPublisher(client, "variables")
    publisher.publish(1, good)
    assert weights.all_finite(good)
    good[0].assign([1.0, bad])
    assert not weights.all_finite(good)
    with pytest.raises(weights.NonFiniteWeights, match="update 2 "):
        publisher.publish(2, good)
    subscriber = weights.WeightsSubscriber(client, "variables",
                                           [tf.Variable([0.0, 0.0]), tf.Variable(np.float64(0))])
    assert subscriber.pull() == 1  # the actors keep the last finite weights
    publisher.close()
    server.stop()
