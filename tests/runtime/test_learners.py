"""The Learner's in-graph loop: K updates per compiled call do exactly what K calls of one
update do, on the same batches."""
import numpy as np
import tensorflow as tf
from reverb.replay_sample import ReplaySample

from tfrainbow import specs
from tfrainbow.agents.rainbow import RainbowAgent
from tfrainbow.networks.encoders import MLPEncoder
from tfrainbow.networks.q_networks import RainbowNetwork
from tfrainbow.runtime.learners import Learner


def batches(count, batch=8, seed=0):
    rng = np.random.default_rng(seed)
    return [ReplaySample(info=(), data=specs.Transition(
        rng.normal(size=(batch, 4)).astype(np.float32), rng.integers(0, 2, batch),
        rng.normal(size=batch).astype(np.float32), np.full(batch, 0.9, np.float32),
        rng.normal(size=(batch, 4)).astype(np.float32))) for _ in range(count)]


def agent():
    tf.keras.utils.set_random_seed(1)
    net = RainbowNetwork(MLPEncoder((16,)), 2, num_atoms=11, v_min=-5.0, v_max=5.0,
                         hidden_units=(16,), noisy=False)  # no noise: runs compare exactly
    return RainbowAgent(tf.TensorSpec([4], tf.float32),
                        specs.BoundedTensorSpec((), tf.int64, 0, 1), net,
                        tf.keras.optimizers.Adam(1e-2), target_update_period=2).initialize()


def dataset(samples):
    return tf.data.Dataset.from_tensor_slices(
        tf.nest.map_structure(lambda *x: np.stack(x), *samples))


def test_k_updates_per_call_equal_k_single_updates():
    samples = batches(6)
    one = Learner(agent(), dataset(samples), updates_per_call=1)
    for _ in range(6):
        one.step()
    three = Learner(agent(), dataset(samples), updates_per_call=3)
    last = [three.step(), three.step()][-1]
    assert int(three.agent.train_step) == int(one.agent.train_step) == 6
    assert three.step_trace_count == 1
    for a, b in zip(one.agent.network.variables, three.agent.network.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    # Target syncs (every 2 updates) happen inside the loop too.
    for a, b in zip(one.agent.target_network.variables, three.agent.target_network.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    assert np.isfinite(float(last.loss))
