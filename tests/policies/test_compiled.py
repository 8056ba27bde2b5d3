import numpy as np
import tensorflow as tf

from tfrainbow.policies.compiled import FlatCall, LazyFlatCall


def test_flat_call_matches_the_concrete_function_with_nested_inputs_and_outputs():
    scale = tf.Variable([2.0, 3.0])  # a captured input

    @tf.function
    def step(x, first, state):  # state: (h, c); outputs nest the same way
        h, c = state
        y = x * scale + tf.cast(first, tf.float32)[:, None]
        return tf.argmax(y, -1), {"y": y}, (h + 1.0, c * y)

    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(3, 2)).astype(np.float32))
    first = tf.constant([True, False, True])
    state = (tf.zeros([3, 2]), tf.ones([3, 2]))
    concrete = step.get_concrete_function(x, first, state)
    got, want = FlatCall(concrete)(x, first, state), concrete(x, first, state)
    assert tf.nest.map_structure(lambda t: t.shape, got) == tf.nest.map_structure(
        lambda t: t.shape, want)
    for g, w in zip(tf.nest.flatten(got), tf.nest.flatten(want)):
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    np.testing.assert_allclose(got[1]["y"], x.numpy() * [2.0, 3.0] + [[1.0], [0.0], [1.0]])
    scale.assign([0.0, 1.0])  # captured variables are read at call time
    np.testing.assert_array_equal(FlatCall(concrete)(x, first, state)[1]["y"],
                                  concrete(x, first, state)[1]["y"])


def test_flat_call_takes_a_dataset_iterator_and_a_new_one_of_the_same_dataset():
    dataset = tf.data.Dataset.range(6).map(lambda i: (i, tf.cast(i, tf.float32) * 0.5))
    total = tf.Variable(0.0)

    @tf.function
    def step(iterator):
        i, x = next(iterator)
        total.assign_add(x)
        return i, total.read_value()

    iterator = iter(dataset)
    call = FlatCall(step.get_concrete_function(iterator))
    assert [tuple(int(t) if t.dtype == tf.int64 else float(t) for t in call(iterator))
            for _ in range(3)] == [(0, 0.0), (1, 0.5), (2, 1.5)]
    assert int(call(iter(dataset))[0]) == 0  # a fresh iterator starts over


def test_lazy_flat_call_traces_once_for_its_first_arguments():
    dataset = tf.data.Dataset.range(4)

    @tf.function
    def step(iterator):
        return next(iterator) * 2

    call = LazyFlatCall(step)
    first = iter(dataset)
    assert [int(call(first)) for _ in range(3)] == [0, 2, 4]
    assert int(call(iter(dataset))) == 0  # a re-created iterator of the same dataset
    assert step.experimental_get_tracing_count() == 1
