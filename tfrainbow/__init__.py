"""tfrainbow: Rainbow DQN (and IMPALA) for TensorFlow/Keras with Reverb replay."""
