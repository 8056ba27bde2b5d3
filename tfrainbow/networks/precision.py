"""Keras dtype policies for the networks: float32, or bf16 mixed precision.

"mixed_bfloat16" computes layers in bfloat16 and keeps variables (and the optimizer state)
in float32; the networks cast their outputs to float32, so losses, priorities and policies
never see bfloat16. bfloat16 has float32's exponent range, so no loss scaling is needed (the
float16 policy would need it, and is not offered). It pays only where the hardware has
bfloat16 arithmetic (GPUs since Ampere, CPUs with AVX512_BF16 or AMX); elsewhere it is
emulated and slower (see the bf16 rows of benchmarks/learner_throughput.py).
"""
import contextlib

import tensorflow as tf

from tfrainbow.errors import ConfigError

PRECISIONS = ("float32", "mixed_bfloat16")


@contextlib.contextmanager
def precision_scope(precision: str):
    """Layers constructed inside take the dtype policy `precision`; restores the previous one."""
    if precision not in PRECISIONS:
        raise ConfigError(f"Unknown precision {precision!r}: use one of "
                          f"{', '.join(PRECISIONS)}.")
    previous = tf.keras.mixed_precision.global_policy()
    tf.keras.mixed_precision.set_global_policy(precision)
    try:
        yield
    finally:
        tf.keras.mixed_precision.set_global_policy(previous)


def float32_variable(variable):
    """The float32 variable inside mixed precision's AutoCastVariable (else `variable`):
    raw ops need its own resource handle and dtype."""
    return getattr(variable, "_variable", variable)


def cpu_has_bf16() -> bool:
    """Whether this machine's CPU has native bfloat16 arithmetic (Linux /proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags
