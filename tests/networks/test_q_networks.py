import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.networks.encoders import MLPEncoder, NatureCNN
from tfrainbow.networks.q_networks import RainbowNetwork


@pytest.mark.parametrize("distributional, num_atoms, dueling, noisy, shape", [
    (True, 51, True, True, (5, 3, 51)),
    (True, 11, False, False, (5, 3, 11)),
    (False, 51, True, True, (5, 3)),
    (True, 1, True, False, (5, 3)),
    (False, 1, False, False, (5, 3)),
])
def test_output_shapes(distributional, num_atoms, dueling, noisy, shape):
    net = RainbowNetwork(MLPEncoder((16,)), num_actions=3, num_atoms=num_atoms,
                         dueling=dueling, noisy=noisy, hidden_units=(8,),
                         distributional=distributional)
    out = net(tf.random.normal([5, 4]))
    assert out.shape == shape and out.dtype == tf.float32
    assert net.q_values(out).shape == (5, 3)


def test_support_and_q_values_are_the_distribution_mean():
    net = RainbowNetwork(MLPEncoder((16,)), num_actions=2, num_atoms=5, v_min=-2, v_max=2)
    np.testing.assert_allclose(net.support, [-2, -1, 0, 1, 2])
    logits = net(tf.random.normal([3, 4])).numpy()
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(net.q_values(logits), (probs * [-2, -1, 0, 1, 2]).sum(-1),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, words", [
    (dict(v_min=10.0, v_max=-10.0), "v_min < v_max"),
    (dict(v_min=1.0, v_max=1.0), "v_min < v_max"),
    (dict(num_atoms=0), "num_atoms"),
    (dict(num_actions=0), "num_actions"),
])
def test_invalid_arguments_raise_one_line(kwargs, words):
    args = dict(encoder=MLPEncoder((4,)), num_actions=2) | kwargs
    with pytest.raises(ValueError) as error:
        RainbowNetwork(**args)
    # gin appends "In call to configurable ..." on later lines; the first line says it all.
    assert words in str(error.value).splitlines()[0]


def test_noise_off_outside_training():
    net = RainbowNetwork(MLPEncoder((16,)), num_actions=2, noisy=True)
    x = tf.random.normal([3, 4])
    np.testing.assert_array_equal(net(x), net(x, training=False))
    assert np.abs(net(x, training=True) - net(x, training=True)).max() > 1e-4


def test_copy_has_the_same_architecture_and_new_weights():
    net = RainbowNetwork(MLPEncoder((16,)), num_actions=2, num_atoms=7, hidden_units=(8,))
    net.create_variables(tf.TensorSpec([4], tf.float32))
    twin = net.copy().create_variables(tf.TensorSpec([4], tf.float32))
    assert [v.shape for v in twin.variables] == [v.shape for v in net.variables]
    assert twin.num_atoms == 7 and twin.dueling and twin.noisy
    assert not np.allclose(twin.variables[0], net.variables[0])


def test_nature_cnn_scales_uint8_frames():
    cnn = NatureCNN()
    frames = np.random.randint(0, 256, (2, 84, 84, 4)).astype(np.uint8)
    features = cnn(tf.constant(frames))
    assert features.shape == (2, 7 * 7 * 64)  # 84 -> 20 -> 9 -> 7
    np.testing.assert_allclose(cnn(tf.constant(frames / 255.0, tf.float32)), features,
                               rtol=1e-4, atol=1e-5)
    net = RainbowNetwork(NatureCNN(), num_actions=6)
    assert net(tf.constant(frames)).shape == (2, 6, 51)


def test_impala_resnet_shape_and_parameter_count():
    from tfrainbow.networks.encoders import ImpalaResNet

    net = ImpalaResNet()
    frames = np.random.randint(0, 256, (2, 84, 84, 4)).astype(np.uint8)
    assert net(tf.constant(frames)).shape == (2, 256)

    def conv(c_in, c_out):  # 3x3 kernel + bias
        return 9 * c_in * c_out + c_out

    sections = [(4, 16), (16, 32), (32, 32)]
    expected = sum(conv(i, o) + 4 * conv(o, o) for i, o in sections)  # conv + 2 blocks x 2
    expected += 11 * 11 * 32 * 256 + 256  # 84 -> 42 -> 21 -> 11 after three stride-2 pools
    assert sum(int(np.prod(v.shape)) for v in net.trainable_variables) == expected
    np.testing.assert_allclose(net(tf.constant(frames / 255.0, tf.float32)),
                               net(tf.constant(frames)), rtol=1e-4, atol=1e-5)
