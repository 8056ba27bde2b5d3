import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import gin  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfrainbow.system import devices  # noqa: E402

# On a GPU machine the test process shares the GPU with the learners its tests start.
devices.grow_gpu_memory()


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same seeds."""
    np.random.seed(0)
    tf.random.set_seed(0)
    tf.keras.utils.set_random_seed(0)
    yield


@pytest.fixture(autouse=True)
def _clear_gin():
    """No test sees the gin bindings of another (configurables read them on construction)."""
    yield
    gin.clear_config()
