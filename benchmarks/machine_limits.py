"""What this machine can do: the GFLOP/s of one plain large matmul and one plain large
convolution in TensorFlow (float32, and bf16 where the CPU has it natively), measured in the
same run as the updates they are set beside, so a row's GFLOP/s reads as a share of these.

    python benchmarks/machine_limits.py
"""
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

MATMUL = 2048                      # [2048, 2048] x [2048, 2048]
CONV = ((32, 42, 42, 64), (3, 3, 64, 64))  # NHWC input, HWIO filter, stride 1, SAME


def _gflops(fn, flops: float, rounds: int = 5, seconds: float = 0.4) -> float:
    fn().numpy()  # trace, allocate
    calls = max(1, int(seconds / max(1e-4, _time_one(fn))))
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            out = fn()
        out.numpy()
        rates.append(calls * flops / (time.perf_counter() - start) / 1e9)
    return statistics.median(rates)


def _time_one(fn) -> float:
    start = time.perf_counter()
    fn().numpy()
    return time.perf_counter() - start


def matmul_flops() -> float:
    return 2.0 * MATMUL ** 3  # a multiply and an add per term


def conv_flops() -> float:
    (n, h, w, _), (kh, kw, cin, cout) = CONV
    return 2.0 * n * h * w * kh * kw * cin * cout  # SAME, stride 1: h x w outputs per map


def limits(bf16: bool = False) -> dict:
    """{"matmul": GFLOP/s, "convolution": GFLOP/s} (+ the bf16 pair with bf16=True)."""
    out = {}
    dtypes = (tf.float32, tf.bfloat16) if bf16 else (tf.float32,)
    for dtype in dtypes:
        suffix = "" if dtype == tf.float32 else " bf16"
        a = tf.random.normal([MATMUL, MATMUL], dtype=tf.float32)
        a = tf.cast(a, dtype)
        matmul = tf.function(lambda: tf.reduce_sum(tf.matmul(a, a)[:1]))
        out["matmul" + suffix] = _gflops(matmul, matmul_flops())
        x = tf.cast(tf.random.normal(CONV[0]), dtype)
        w = tf.cast(tf.random.normal(CONV[1]), dtype)
        conv = tf.function(lambda: tf.reduce_sum(
            tf.nn.conv2d(x, w, 1, "SAME")[:1, :1, :1]))
        out["convolution" + suffix] = _gflops(conv, conv_flops())
    return out


def describe(values: dict) -> str:
    return ", ".join(f"{name} {gflops:.0f} GFLOP/s" for name, gflops in values.items())


if __name__ == "__main__":
    from tfrainbow.networks.precision import cpu_has_bf16

    print(f"{MATMUL}x{MATMUL} matmul, conv {CONV[0]} * {CONV[1]}, {os.cpu_count()} cores: "
          + describe(limits(bf16=cpu_has_bf16())))
