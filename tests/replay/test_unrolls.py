"""IMPALA transport through a real Reverb server: unrolls and weights round-trip unchanged."""
import numpy as np
import reverb
import tensorflow as tf

from tfrainbow.replay import tables, unrolls

T, A = 3, 4
OBS = tf.TensorSpec([2], tf.float32)


def test_unrolls_round_trip_in_order_with_their_logits():
    signature = unrolls.unroll_signature(OBS, A, T)
    server = reverb.Server([tables.unroll_queue_table("unrolls", signature, max_size=8)],
                           port=None)
    address = f"localhost:{server.port}"
    writer = unrolls.UnrollWriter(reverb.Client(address), "unrolls", T)
    rng = np.random.default_rng(0)
    steps = []
    for t in range(2 * T):  # two unrolls; an episode ends at t = 1
        obs, first = rng.normal(size=2).astype(np.float32), t in (0, 2)
        writer.observe(obs, first)
        step = dict(observation=obs, first=first, action=int(rng.integers(A)),
                    logits=rng.normal(size=A).astype(np.float32), reward=float(t),
                    terminated=t == 1, truncated=False, version=10 + t)
        step["truncation_value"] = 2.5 if t == 4 else 0.0
        writer.act(step["action"], step["logits"], step["reward"], step["terminated"],
                   False, step["version"], step["truncation_value"])
        steps.append(step)
    last_obs = rng.normal(size=2).astype(np.float32)
    writer.observe(last_obs, False)  # the bootstrap observation completes unroll 2
    writer._flush(0)

    batch, versions = next(iter(unrolls.unroll_dataset(address, "unrolls", batch_size=2)))
    observations = [s["observation"] for s in steps] + [last_obs]
    for b in range(2):  # b-th unroll: steps b*T .. b*T + T, time-major in the batch
        window = steps[b * T:(b + 1) * T]
        np.testing.assert_array_equal(batch.observation[:, b], observations[b * T:b * T + T + 1])
        np.testing.assert_array_equal(batch.first[:, b],
                                      [t in (0, 2) for t in range(b * T, b * T + T + 1)])
        np.testing.assert_array_equal(batch.action[:, b], [s["action"] for s in window])
        np.testing.assert_array_equal(batch.behaviour_logits[:, b],
                                      [s["logits"] for s in window])
        np.testing.assert_array_equal(batch.reward[:, b], [s["reward"] for s in window])
        np.testing.assert_array_equal(batch.terminated[:, b], [s["terminated"] for s in window])
        np.testing.assert_array_equal(versions[:, b], [s["version"] for s in window])
        np.testing.assert_array_equal(batch.truncation_value[:, b],
                                      [s["truncation_value"] for s in window])
    assert batch.observation.shape == (T + 1, 2, 2) and batch.action.shape == (T, 2)
    # Consumed once: the queue is empty now.
    assert reverb.Client(address).server_info()["unrolls"].current_size == 0
    writer.close()
    server.stop()


def test_core_state_travels_with_its_unroll():
    core = (tf.TensorSpec([5], tf.float32), tf.TensorSpec([5], tf.float32))
    signature = unrolls.unroll_signature(OBS, A, T, core)
    server = reverb.Server([tables.unroll_queue_table("u", signature)], port=None)
    address = f"localhost:{server.port}"
    writer = unrolls.UnrollWriter(reverb.Client(address), "u", T)
    states = []
    for t in range(T + 1):
        state = (np.full(5, t, np.float32), np.full(5, -t, np.float32))
        states.append(state)
        writer.observe(np.zeros(2, np.float32), t == 0, state)
        if t < T:
            writer.act(0, np.zeros(A), 0.0, False, False, 0)
    writer._flush(0)
    batch, _ = next(iter(unrolls.unroll_dataset(address, "u", batch_size=1)))
    np.testing.assert_array_equal(batch.core_state[0][0], states[0][0])  # state before x_0
    np.testing.assert_array_equal(batch.core_state[1][0], states[0][1])
    writer.close()
    server.stop()


def test_weights_published_by_the_learner_reach_an_actor():
    learner_vars = [tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3)),
                    tf.Variable([1.5])]
    actor_vars = [tf.Variable(tf.zeros([2, 3])), tf.Variable([0.0])]
    table = tables.variable_table("variables", unrolls.weights_signature(learner_vars))
    server = reverb.Server([table], port=None)
    client = reverb.Client(f"localhost:{server.port}")
    publisher = unrolls.WeightsPublisher(client, "variables")
    publisher.publish(7, learner_vars)
    learner_vars[1].assign([2.5])
    publisher.publish(8, learner_vars)  # replaces version 7
    subscriber = unrolls.WeightsSubscriber(client, "variables", actor_vars)
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
    publisher.close()
    server.stop()
