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
