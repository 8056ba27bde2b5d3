"""IMPALA transport through a real Reverb server: unrolls and weights round-trip unchanged."""
import numpy as np
import pytest
import reverb
import tensorflow as tf

from tfrainbow.errors import ConfigError
from tfrainbow.replay import tables, unrolls
from tfrainbow.builders import UnrollConfig

T, A, E = 3, 4, 2
OBS = tf.TensorSpec([2], tf.float32)


def test_unrolls_of_e_streams_round_trip_in_order_time_major():
    signature = unrolls.unroll_signature(OBS, A, T, envs=E)
    server = reverb.Server([tables.unroll_queue_table("unrolls", signature, max_size=8)],
                           port=None)
    address = f"localhost:{server.port}"
    writer = unrolls.UnrollWriter(reverb.Client(address), "unrolls", T)
    rng = np.random.default_rng(0)
    steps = []
    for t in range(2 * T):  # two unrolls per stream; stream 0's episode ends at t = 1
        step = dict(observation=rng.normal(size=(E, 2)).astype(np.float32),
                    first=np.array([t in (0, 2), t == 0]),
                    action=rng.integers(A, size=E),
                    logits=rng.normal(size=(E, A)).astype(np.float32),
                    reward=np.array([t, 10 + t], np.float32),
                    terminated=np.array([t == 1, False]), version=10 + t,
                    truncation_value=np.array([2.5 if t == 4 else 0.0, 0.0], np.float32))
        writer.observe(step["observation"], step["first"])
        writer.act(step["action"], step["logits"], step["reward"], step["terminated"],
                   np.zeros(E, bool), step["version"], step["truncation_value"])
        steps.append(step)
    last_obs = rng.normal(size=(E, 2)).astype(np.float32)
    writer.observe(last_obs, np.zeros(E, bool))  # the bootstrap observations: unrolls 2
    writer._flush(0)
    assert reverb.Client(address).server_info()["unrolls"].current_size == 2  # items of E

    batch, versions = next(iter(unrolls.unroll_dataset(address, "unrolls", batch_size=2 * E)))
    observations = [s["observation"] for s in steps] + [last_obs]
    firsts = [s["first"] for s in steps] + [np.zeros(E, bool)]
    for b in range(2):
        for e in range(E):  # batch column b * E + e: unroll b of stream e, steps b*T .. b*T+T
            col, window = b * E + e, steps[b * T:(b + 1) * T]
            np.testing.assert_array_equal(batch.observation[:, col],
                                          [o[e] for o in observations[b * T:b * T + T + 1]])
            np.testing.assert_array_equal(batch.first[:, col],
                                          [f[e] for f in firsts[b * T:b * T + T + 1]])
            for field, got in [("action", batch.action), ("logits", batch.behaviour_logits),
                               ("reward", batch.reward), ("terminated", batch.terminated),
                               ("truncation_value", batch.truncation_value)]:
                np.testing.assert_array_equal(got[:, col], [s[field][e] for s in window])
            np.testing.assert_array_equal(versions[:, col], [s["version"] for s in window])
    assert batch.observation.shape == (T + 1, 2 * E, 2) and batch.action.shape == (T, 2 * E)
    # Consumed once: the queue is empty now.
    assert reverb.Client(address).server_info()["unrolls"].current_size == 0
    writer.close()
    server.stop()


def test_core_state_travels_with_its_unroll():
    core = (tf.TensorSpec([5], tf.float32), tf.TensorSpec([5], tf.float32))
    signature = unrolls.unroll_signature(OBS, A, T, core, envs=E)
    server = reverb.Server([tables.unroll_queue_table("u", signature)], port=None)
    address = f"localhost:{server.port}"
    writer = unrolls.UnrollWriter(reverb.Client(address), "u", T)
    states = []
    for t in range(T + 1):
        state = (np.array([[t] * 5, [t + 100] * 5], np.float32), np.full((E, 5), -t, np.float32))
        states.append(state)
        writer.observe(np.zeros((E, 2), np.float32), np.full(E, t == 0), state)
        if t < T:
            writer.act(np.zeros(E), np.zeros((E, A)), np.zeros(E), np.zeros(E, bool),
                       np.zeros(E, bool), 0)
    writer._flush(0)
    batch, _ = next(iter(unrolls.unroll_dataset(address, "u", batch_size=E)))
    np.testing.assert_array_equal(batch.core_state[0], states[0][0])  # [E, 5] before x_0
    np.testing.assert_array_equal(batch.core_state[1], states[0][1])
    writer.close()
    server.stop()


def test_a_batch_must_be_whole_items():
    signature = unrolls.unroll_signature(OBS, A, T, envs=4)
    server = reverb.Server([tables.unroll_queue_table("u", signature)], port=None)
    with pytest.raises(ConfigError, match="multiple of the envs per actor"):
        unrolls.unroll_dataset(f"localhost:{server.port}", "u", batch_size=6)
    with pytest.raises(ConfigError, match="multiple of UnrollConfig.envs_per_actor"):
        UnrollConfig(batch_size=30, envs_per_actor=8)
    server.stop()
