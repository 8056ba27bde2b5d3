"""Which devices a process uses. Actors and the Reverb server run on the CPU; a learner uses
a GPU where there is one. Both must be called before TensorFlow first uses a device (TF
raises RuntimeError after that), so processes call them at start.

Why: a process that touches a GPU initialises it and, by TensorFlow's default, reserves
nearly all of its memory. An actor's batched inference over a few environments gains nothing
from a GPU, and each actor process on a GPU host would take memory the learner needs."""
import tensorflow as tf


def cpu_only():
    """Hides every GPU from this process (actors, the Reverb server, raw env workers)."""
    tf.config.set_visible_devices([], "GPU")


def grow_gpu_memory():
    """Each visible GPU's memory is reserved as the process needs it, not all at start: the
    learner shares its host (and GPU) with the evaluator, `binaries.evaluate` and other runs."""
    for gpu in tf.config.list_physical_devices("GPU"):
        tf.config.experimental.set_memory_growth(gpu, True)
