"""Observation encoders: observations [B, ...] -> features [B, F]."""
from typing import Sequence

import gin
import tensorflow as tf

from tfrainbow.errors import ConfigError


@gin.configurable
class MLPEncoder(tf.keras.layers.Layer):
    """Flatten, then ReLU dense layers (plain, not noisy: Rainbow's noise lives in the head)."""

    def __init__(self, hidden_units: Sequence[int] = (512,), **kwargs):
        super().__init__(**kwargs)
        self.hidden_units = tuple(int(h) for h in hidden_units)
        self._flatten = tf.keras.layers.Flatten()
        self._dense_layers = [tf.keras.layers.Dense(h, activation="relu", name=f"dense_{i}")
                              for i, h in enumerate(self.hidden_units)]

    def get_config(self):
        return {**super().get_config(), "hidden_units": self.hidden_units}

    def call(self, observations, training=None):
        x = self._flatten(tf.cast(observations, self.compute_dtype))
        for layer in self._dense_layers:
            x = layer(x)
        return x


@gin.configurable
class NatureCNN(tf.keras.layers.Layer):
    """The convolutional torso of Mnih et al. 2015 (Nature DQN): [B, 84, 84, 4] -> [B, 3136].

    uint8 frames are scaled to [0, 1] here, so replay and actors keep uint8 end to end. The
    512-unit fully connected layer belongs to the (noisy, dueling) head, as in Rainbow.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        conv = tf.keras.layers.Conv2D
        self._convs = [conv(32, 8, strides=4, activation="relu", name="conv_0"),
                       conv(64, 4, strides=2, activation="relu", name="conv_1"),
                       conv(64, 3, strides=1, activation="relu", name="conv_2")]
        self._flatten = tf.keras.layers.Flatten()

    def call(self, observations, training=None):
        x = tf.cast(observations, self.compute_dtype)
        if observations.dtype == tf.uint8:
            x = x / 255.0
        for layer in self._convs:
            x = layer(x)
        return self._flatten(x)


class _ResidualBlock(tf.keras.layers.Layer):
    """x + conv(relu(conv(relu(x)))), 3x3 convolutions keeping the channels."""

    def __init__(self, channels: int, **kwargs):
        super().__init__(**kwargs)
        self._conv_0 = tf.keras.layers.Conv2D(channels, 3, padding="same", name="conv_0")
        self._conv_1 = tf.keras.layers.Conv2D(channels, 3, padding="same", name="conv_1")

    def call(self, x):
        return x + self._conv_1(tf.nn.relu(self._conv_0(tf.nn.relu(x))))


@gin.configurable
class ImpalaResNet(tf.keras.layers.Layer):
    """The deep network of Espeholt et al. 2018 (Fig. 3, right), without its LSTM: three
    sections (16, 32, 32 channels) of conv 3x3 -> max-pool 3x3 stride 2 -> two residual
    blocks, then ReLU -> fully connected 256 -> ReLU. [B, 84, 84, 4] -> [B, 256]."""

    def __init__(self, channels=(16, 32, 32), hidden_units: int = 256, **kwargs):
        super().__init__(**kwargs)
        self.channels, self.hidden_units = tuple(channels), int(hidden_units)
        self._sections = []
        for i, c in enumerate(self.channels):
            self._sections.append([
                tf.keras.layers.Conv2D(c, 3, padding="same", name=f"section_{i}_conv"),
                tf.keras.layers.MaxPool2D(3, strides=2, padding="same"),
                _ResidualBlock(c, name=f"section_{i}_block_0"),
                _ResidualBlock(c, name=f"section_{i}_block_1")])
        self._flatten = tf.keras.layers.Flatten()
        self._dense = tf.keras.layers.Dense(self.hidden_units, activation="relu", name="fc")

    def get_config(self):
        return {**super().get_config(), "channels": self.channels,
                "hidden_units": self.hidden_units}

    def call(self, observations, training=None):
        x = tf.cast(observations, self.compute_dtype)
        if observations.dtype == tf.uint8:
            x = x / 255.0
        for section in self._sections:
            for layer in section:
                x = layer(x)
        return self._dense(self._flatten(tf.nn.relu(x)))


@gin.configurable
class ConvEncoder(tf.keras.layers.Layer):
    """ReLU convolutions, flatten, then optional ReLU dense layers: [B, H, W, C] -> [B, F].

    Layer i has filters[i] output channels, a kernel_sizes[i] square kernel and strides[i];
    `padding` ('same' or 'valid') for all. Boolean (MinAtar) or float observations are cast
    to the compute dtype; uint8 frames are scaled to [0, 1], as NatureCNN does. MinAtar's
    network (Young & Tian 2019) is filters=(16,), kernel_sizes=(3,), strides=(1,), 'same'.
    """

    def __init__(self, filters: Sequence[int] = (16,), kernel_sizes: Sequence[int] = (3,),
                 strides: Sequence[int] = (1,), padding: str = "same",
                 hidden_units: Sequence[int] = (), **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_sizes = tuple(map(int, filters)), tuple(map(int, kernel_sizes))
        self.strides, self.padding = tuple(map(int, strides)), str(padding).lower()
        self.hidden_units = tuple(map(int, hidden_units))
        if not (len(self.filters) == len(self.kernel_sizes) == len(self.strides)):
            raise ConfigError(f"ConvEncoder needs one kernel size and stride per layer: got "
                              f"filters {self.filters}, kernel_sizes {self.kernel_sizes}, "
                              f"strides {self.strides}.")
        if self.padding not in ("same", "valid"):
            raise ConfigError(f"ConvEncoder.padding must be 'same' or 'valid', got {padding!r}.")
        self._convs = [tf.keras.layers.Conv2D(f, k, strides=s, padding=self.padding,
                                              activation="relu", name=f"conv_{i}")
                       for i, (f, k, s) in enumerate(zip(self.filters, self.kernel_sizes,
                                                         self.strides))]
        self._flatten = tf.keras.layers.Flatten()
        self._dense_layers = [tf.keras.layers.Dense(h, activation="relu", name=f"dense_{i}")
                              for i, h in enumerate(self.hidden_units)]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_sizes": self.kernel_sizes, "strides": self.strides,
                "padding": self.padding, "hidden_units": self.hidden_units}

    def call(self, observations, training=None):
        x = tf.cast(observations, self.compute_dtype)  # [B, H, W, C]; bool -> 0 / 1
        if observations.dtype == tf.uint8:
            x = x / 255.0
        for layer in self._convs:
            x = layer(x)
        x = self._flatten(x)  # [B, H' W' filters[-1]]
        for layer in self._dense_layers:
            x = layer(x)
        return x
