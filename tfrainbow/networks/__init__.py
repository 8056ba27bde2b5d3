"""Keras layers, encoders and RainbowNetwork."""
