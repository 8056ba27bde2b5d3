"""system/devices.py, each case in a fresh process (devices are fixed once TF uses one).
Without a GPU the first case still holds (ops land on the CPU); on a GPU machine both are
the real check: an actor sees no GPU, a learner's GPUs grow their memory."""
import json
import os
import subprocess
import sys

CHECK = """
import json
import tensorflow as tf
from tfrainbow.system import devices
devices.{call}()
x = tf.matmul(tf.ones([2, 2]), tf.ones([2, 2]))
gpus = tf.config.list_physical_devices("GPU")
print(json.dumps({{
    "physical_gpus": len(gpus),
    "visible_gpus": len(tf.config.get_visible_devices("GPU")),
    "growth": [tf.config.experimental.get_memory_growth(g) for g in gpus],
    "device": x.device, "value": float(x[0, 0])}}))
"""


def run_fresh(call):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-c", CHECK.format(call=call)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_cpu_only_hides_every_gpu():
    result = run_fresh("cpu_only")
    assert result["visible_gpus"] == 0
    assert result["device"].endswith("CPU:0")
    assert result["value"] == 2.0


def test_grow_gpu_memory_on_every_gpu_and_ops_use_the_first():
    result = run_fresh("grow_gpu_memory")
    assert result["growth"] == [True] * result["physical_gpus"]
    assert result["visible_gpus"] == result["physical_gpus"]
    expected = "GPU:0" if result["physical_gpus"] else "CPU:0"
    assert result["device"].endswith(expected)
    assert result["value"] == 2.0
