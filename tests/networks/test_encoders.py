"""ConvEncoder against a numpy forward pass of its own weights, and its shapes."""
import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.errors import ConfigError
from tfrainbow.networks.encoders import ConvEncoder


def numpy_conv2d(x, kernel, bias, stride, padding):
    """x [B, H, W, C], kernel [k, k, C, F] -> [B, H', W', F], cross-correlation as TF."""
    k = kernel.shape[0]
    if padding == "same":
        out_h = -(-x.shape[1] // stride)
        pad_total = max((out_h - 1) * stride + k - x.shape[1], 0)
        before = pad_total // 2
        x = np.pad(x, ((0, 0), (before, pad_total - before), (before, pad_total - before),
                       (0, 0)))
    out = (x.shape[1] - k) // stride + 1
    y = np.zeros((x.shape[0], out, out, kernel.shape[-1]))
    for i in range(out):
        for j in range(out):
            patch = x[:, i * stride:i * stride + k, j * stride:j * stride + k, :]
            y[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return y + bias


@pytest.mark.parametrize("filters, kernels, strides, padding, hidden, shape", [
    ((16,), (3,), (1,), "same", (), (2, 10 * 10 * 16)),  # the MinAtar network
    ((4, 8), (3, 2), (2, 1), "valid", (5,), (2, 5)),
    ((3,), (2,), (2,), "same", (), (2, 5 * 5 * 3)),
])
def test_conv_encoder_matches_numpy(filters, kernels, strides, padding, hidden, shape):
    tf.keras.utils.set_random_seed(0)
    encoder = ConvEncoder(filters, kernels, strides, padding, hidden)
    observations = np.random.default_rng(1).random((2, 10, 10, 4)) < 0.3  # MinAtar-like bool
    got = encoder(tf.constant(observations)).numpy()
    assert got.shape == shape
    x = observations.astype(np.float64)
    for layer, stride in zip(encoder._convs, strides):
        kernel, bias = (w.numpy().astype(np.float64) for w in layer.weights)
        x = np.maximum(numpy_conv2d(x, kernel, bias, stride, padding), 0.0)
    x = x.reshape(len(x), -1)  # row-major, as Keras' Flatten
    for layer in encoder._dense_layers:
        kernel, bias = (w.numpy().astype(np.float64) for w in layer.weights)
        x = np.maximum(x @ kernel + bias, 0.0)
    np.testing.assert_allclose(got, x, rtol=1e-4, atol=1e-5)


def test_conv_encoder_scales_uint8_frames_and_casts_bool():
    encoder = ConvEncoder((2,), (3,), (1,))
    frames = np.random.default_rng(2).integers(0, 256, (1, 6, 6, 1), dtype=np.uint8)
    scaled = encoder(tf.constant(frames)).numpy()
    np.testing.assert_allclose(scaled, encoder(tf.constant(frames / 255.0, tf.float32)).numpy(),
                               rtol=1e-5, atol=1e-6)
    ones = np.ones((1, 6, 6, 1), bool)
    np.testing.assert_allclose(encoder(tf.constant(ones)).numpy(),
                               encoder(tf.ones((1, 6, 6, 1))).numpy())


@pytest.mark.parametrize("kwargs, words", [
    (dict(filters=(16, 8), kernel_sizes=(3,), strides=(1,)), "one kernel size and stride"),
    (dict(padding="full"), "'same' or 'valid'")])
def test_conv_encoder_refuses_bad_layouts(kwargs, words):
    with pytest.raises(ConfigError, match=words):
        ConvEncoder(**kwargs)
