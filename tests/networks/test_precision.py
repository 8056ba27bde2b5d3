import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.errors import ConfigError
from tfrainbow.networks.actor_critic import ActorCriticNetwork
from tfrainbow.networks.encoders import MLPEncoder, NatureCNN
from tfrainbow.networks.precision import precision_scope
from tfrainbow.networks.q_networks import RainbowNetwork


def rainbow_net(encoder, noisy=True):
    return RainbowNetwork(encoder(), num_actions=3, num_atoms=11, hidden_units=(32,),
                          noisy=noisy)


@pytest.mark.parametrize("encoder, shape, dtype", [
    (lambda: MLPEncoder((32,)), [5, 4], tf.float32),
    (NatureCNN, [2, 84, 84, 4], tf.uint8),
])
def test_bf16_network_keeps_float32_weights_and_outputs_and_matches_float32(encoder, shape,
                                                                         dtype):
    reference = rainbow_net(encoder, noisy=False)
    with precision_scope("mixed_bfloat16"):
        mixed = rainbow_net(encoder, noisy=False)
    assert tf.keras.mixed_precision.global_policy().name == "float32"  # scope restored
    x = tf.cast(tf.random.uniform(shape, 0, 255 if dtype == tf.uint8 else 1), dtype)
    reference(x), mixed(x)
    mixed.set_weights(reference.get_weights())
    assert all(v.dtype == tf.float32 for v in mixed.variables)
    assert mixed.head.compute_dtype == "bfloat16"
    assert mixed.encoder.compute_dtype == "bfloat16"
    out, expected = mixed(x), reference(x)
    assert out.dtype == tf.float32
    # bfloat16 keeps 8 bits of mantissa: agreement to about 1% of the outputs' scale.
    scale = np.abs(expected.numpy()).max()
    np.testing.assert_allclose(out, expected, atol=0.02 * scale)
    assert np.abs(out.numpy() - expected.numpy()).max() > 0  # it did compute in bf16


def test_target_copy_keeps_the_policy_outside_the_scope():
    with precision_scope("mixed_bfloat16"):
        net = rainbow_net(lambda: MLPEncoder((8,)))
    copy = net.copy()
    assert copy.dtype_policy.name == "mixed_bfloat16"
    assert copy.encoder.compute_dtype == copy.head.compute_dtype == "bfloat16"


def test_bf16_actor_critic_outputs_float32():
    with precision_scope("mixed_bfloat16"):
        net = ActorCriticNetwork(MLPEncoder((8,)), num_actions=2)
    logits, values, _ = net(tf.random.normal([3, 2, 4]))
    assert logits.dtype == values.dtype == tf.float32
    assert all(v.dtype == tf.float32 for v in net.variables)


def test_unknown_precision_names_the_choices():
    with pytest.raises(ConfigError, match="float32, mixed_bfloat16"):
        with precision_scope("float16"):
            pass


def test_float32_head_under_bf16_computes_the_head_in_float32_on_bf16_features():
    """head_precision='float32': the encoder computes in bf16, the head in float32; the
    outputs are the float32 head applied to the bf16 encoder's features, and the target
    copy keeps the split."""
    with precision_scope("mixed_bfloat16"):
        net = RainbowNetwork(NatureCNN(), num_actions=3, num_atoms=11, hidden_units=(32,),
                             head_precision="float32")
    x = tf.cast(tf.random.uniform([2, 84, 84, 4], 0, 255), tf.uint8)
    out = net(x, training=False)
    assert net.encoder.compute_dtype == "bfloat16"
    assert net.head.compute_dtype == "float32"
    head_layers = [m for m in net.head.submodules if isinstance(m, tf.keras.layers.Layer)]
    assert head_layers and all(layer.compute_dtype == "float32" for layer in head_layers)
    features = net.encoder(x)
    assert features.dtype == tf.bfloat16
    # The head's own float32 numpy forward pass (noisy layers at their mean weights).
    h = tf.cast(features, tf.float32).numpy()
    weights = {v.name.split("head/", 1)[1]: v.numpy() for v in net.head.variables}

    def affine(stream, layer, x):
        name = f"{stream}/{layer}"
        return x @ weights[f"{name}/kernel_mu:0"] + weights[f"{name}/bias_mu:0"]

    value = affine("value", "out", np.maximum(affine("value", "hidden_0", h), 0))
    advantage = affine("advantage", "out", np.maximum(affine("advantage", "hidden_0", h), 0))
    value, advantage = value.reshape(2, 1, 11), advantage.reshape(2, 3, 11)
    expected = value + advantage - advantage.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    copy = net.copy()
    copy(x)
    assert copy.encoder.compute_dtype == "bfloat16" and copy.head.compute_dtype == "float32"


def test_unknown_head_precision_names_the_choices():
    with pytest.raises(ConfigError, match="float32, mixed_bfloat16"):
        RainbowNetwork(MLPEncoder((8,)), num_actions=2, head_precision="bf16")
