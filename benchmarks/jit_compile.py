"""RainbowAgent updates/s with and without XLA (`jit_compile`), alternating A B A B.

    python benchmarks/jit_compile.py --network=mlp --rounds=5 --steps=200 --out=jit.json

Conditions printed: batch, network, all six Rainbow components on, threads, device.
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from tfrainbow.system import quiet  # noqa: E402

quiet.filter_reverb_info()  # Reverb's and XLA's INFO lines; warnings and errors pass
import tensorflow as tf  # noqa: E402

# As the binaries: TF's Python warnings (deprecation notices) to errors only.
tf.get_logger().setLevel("ERROR")

from tfrainbow import specs  # noqa: E402
from tfrainbow.agents.optimizers import FusedAdam  # noqa: E402
from tfrainbow.agents.rainbow import RainbowAgent  # noqa: E402
from tfrainbow.networks.encoders import MLPEncoder, NatureCNN  # noqa: E402
from tfrainbow.networks.q_networks import RainbowNetwork  # noqa: E402


def make_agent(network: str, jit: bool):
    if network == "mlp":
        obs_spec, encoder = tf.TensorSpec([4], tf.float32), MLPEncoder((512,))
    else:
        obs_spec, encoder = tf.TensorSpec([84, 84, 4], tf.uint8), NatureCNN()
    action_spec = specs.BoundedTensorSpec((), tf.int64, 0, 5)
    net = RainbowNetwork(encoder, 6, hidden_units=(512,))
    agent = RainbowAgent(obs_spec, action_spec, net, FusedAdam(6.25e-5),  # as the configs
                         jit_compile=jit).initialize()
    return agent, obs_spec


def batch(obs_spec, size):
    shape = [size] + obs_spec.shape.as_list()
    if obs_spec.dtype == tf.uint8:
        obs = tf.random.uniform(shape, 0, 255, tf.int32)
        obs, nxt = tf.cast(obs, tf.uint8), tf.cast(tf.reverse(obs, [0]), tf.uint8)
    else:
        obs, nxt = tf.random.normal(shape), tf.random.normal(shape)
    return specs.Transition(obs, tf.random.uniform([size], 0, 6, tf.int64),
                            tf.random.normal([size]), tf.fill([size], 0.97), nxt)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--network", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    agents = {name: make_agent(args.network, jit) for name, jit in (("graph", False),
                                                                      ("xla", True))}
    data = {name: batch(spec, args.batch) for name, (_, spec) in agents.items()}
    for name, (agent, _) in agents.items():  # trace and warm up
        for _ in range(5):
            agent.train(data[name]).loss.numpy()
    rates = {name: [] for name in agents}
    for _ in range(args.rounds):
        for name, (agent, _) in agents.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                info = agent.train(data[name])
            info.loss.numpy()
            rates[name].append(args.steps / (time.perf_counter() - start))
    medians = {name: statistics.median(r) for name, r in rates.items()}
    print(f"network={args.network} batch={args.batch} components=all six "
          f"threads={tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()} "
          f"device={'GPU' if tf.config.list_physical_devices('GPU') else 'CPU'}")
    for name, value in medians.items():
        print(f"{name:6s} {value:8.1f} updates/s (median of {args.rounds})")
    print(f"xla/graph ratio {medians['xla'] / medians['graph']:.2f}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"args": vars(args), "updates_per_s": medians}, f, indent=2)


if __name__ == "__main__":
    main()
