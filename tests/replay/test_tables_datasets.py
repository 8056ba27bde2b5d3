"""Prioritized sampling and priority updates on a real Reverb server."""
import numpy as np
import pytest
import reverb
import tensorflow as tf

from tfrainbow.replay import datasets, tables

OMEGA = 0.5
PRIORITIES = [1.0, 4.0, 9.0, 16.0]  # p^0.5 = 1, 2, 3, 4: expected frequencies 0.1 .. 0.4


@pytest.fixture
def server():
    signature = {"x": tf.TensorSpec([], tf.int64)}
    table = tables.prioritized_table("t", signature, max_size=100, priority_exponent=OMEGA,
                                     min_size_to_sample=1, samples_per_insert=1e6)
    server = reverb.Server([table], port=None)
    client = reverb.Client(f"localhost:{server.port}")
    with client.trajectory_writer(num_keep_alive_refs=1) as writer:
        for i, priority in enumerate(PRIORITIES):
            writer.append({"x": np.int64(i)})
            writer.create_item("t", priority, {"x": writer.history["x"][-1]})
        writer.flush()
    yield server, client
    server.stop()


def frequencies(client, num_samples=8000):
    counts = np.zeros(len(PRIORITIES))
    keys, probabilities = {}, {}
    for sample in client.sample("t", num_samples=num_samples, emit_timesteps=False,
                                unpack_as_table_signature=True):
        x = int(sample.data["x"])
        counts[x] += 1
        keys[x], probabilities[x] = sample.info.key, sample.info.probability
    return counts / num_samples, keys, probabilities


def expected(priorities):
    p = np.power(priorities, OMEGA)
    return p / p.sum()


def test_sampling_follows_p_to_the_omega(server):
    _, client = server
    freq, _, probabilities = frequencies(client)
    np.testing.assert_allclose(freq, expected(PRIORITIES), atol=0.02)  # 8000 samples: ~4 sd
    np.testing.assert_allclose([probabilities[i] for i in range(4)], expected(PRIORITIES),
                               rtol=1e-6)


def test_a_priority_update_changes_the_frequencies(server):
    server_, client = server
    _, keys, _ = frequencies(client, 400)
    updater = datasets.PriorityUpdater(f"localhost:{server_.port}", "t", floor=1e-3)
    new = [16.0, 9.0, 4.0, 0.0]  # reversed; the last one is floored to 1e-3
    written = updater(tf.constant([keys[i] for i in range(4)], tf.uint64), tf.constant(new))
    np.testing.assert_allclose(written, [16, 9, 4, 1e-3])
    freq, _, _ = frequencies(client)
    np.testing.assert_allclose(freq, expected([16, 9, 4, 1e-3]), atol=0.02)


def test_uniform_when_not_prioritized():
    table = tables.prioritized_table("u", None, max_size=10, prioritized=False,
                                     min_size_to_sample=1, samples_per_insert=1.0)
    assert "Uniform" in str(table)


def test_invalid_rate_limiter_arguments():
    with pytest.raises(ValueError, match="samples_per_insert"):
        tables.rate_limiter(0.0, 10)
    with pytest.raises(ValueError, match="max_size"):
        tables.prioritized_table("t", None, max_size=10, min_size_to_sample=100)
