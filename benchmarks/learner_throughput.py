"""Learner updates/s: tfrainbow's RainbowAgent against two peers on the same network and
batch, alternating rounds (A B A B ...) in one run; medians and ratios. The same-work peer is
Dopamine's JAX full Rainbow (noisy, dueling, C51, double Q), run in its own environment
(runs/peers/dopamine, built by `make bench`) and driven round by round over a pipe
(peer_process.py), on the Nature CNN and on MinAtar's network; TF-Agents'
CategoricalDqnAgent, in its own environment too (runs/peers/tf_agents,
peers/tf_agents_c51.py), does less work (no dueling, no noise, no double Q), on the MLP and
the Nature CNN.

    make bench   # builds the peers' environments: runs/peers/tf_agents, runs/peers/dopamine
    python benchmarks/learner_throughput.py --network=mlp --rounds=5 --steps=200 --out=l.json
    python benchmarks/learner_throughput.py --network=cnn --rounds=3 --steps=20

Conditions: --network=mlp: CartPole shapes (4 observations, 2 actions), MLP 512-512;
--network=cnn: 84x84x4 uint8 frames, 6 actions, Nature CNN + 512; --network=minatar:
10x10x4 booleans (Breakout), 6 actions, gin/rainbow/minatar.gin's network (one 3x3
convolution of 16 channels, SAME, straight into the head), support [-100, 100]. 51 atoms, n-step 3,
batch 32, Adam. Rows: ours with all six components, one update per call and
--updates_per_call updates per call (the Learner's in-graph loop over a prefetched
dataset); ours with each network component off; ours with the dueling streams sharing their
hidden layer (Dopamine's layout); ours in bf16 mixed precision, whole or with the head in
float32 (RainbowNetwork.head_precision); ours with Keras' own Adam
instead of FusedAdam (what the shipped configs use); TF-Agents' C51 (with n-step; uniform
replay weights), one update per call as TF-Agents runs it, with tf.keras.optimizers.Adam as
TF-Agents' DQN examples build it, and with Keras' legacy Adam (the fused kernel FusedAdam
runs); Dopamine's full Rainbow on the Nature CNN with VALID padding (the same network as
ours) and as shipped (flax's SAME padding: 7,744 features into the 512 layer, not 3,136).
ours/c51, ours/fused and ours/dopamine are against the first, second and third.
MFLOP/update is TF's profiler count over one update's graph (XLA's cost analysis for
Dopamine's): it shows how much of a gap is extra arithmetic and how much speed; GFLOP/s is
what a row achieves, "of matmul" that as a share of a plain 2048^2 float32 matmul measured in
the same run (machine_limits.py, which also gives a convolution's and, on a CPU with native
bf16, both in bf16).
Last, TF's profiler splits one update's CPU time by kernel (benchmarks/kernel_time.py) for
ours with all six and the peer, and prints the bound that ours' matmuls, convolutions and
optimizer alone set on ours/peer.
"""
import argparse
import json
import os
import pathlib
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Run as a script, this file's folder comes first on sys.path, where benchmarks/minatar.py
# would hide the minatar package: the repository root instead.
HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
from tfrainbow.system import quiet  # noqa: E402

if __name__ == "__main__":  # as a script (a test importing it keeps its own stderr)
    quiet.filter_reverb_info()  # Reverb's and XLA's INFO lines; warnings and errors pass
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

# As the binaries: TF's Python warnings (the peer's deprecations, retracing notes of one
# tf.function per row) to errors only.
tf.get_logger().setLevel("ERROR")

from tfrainbow import specs  # noqa: E402
from tfrainbow.agents.optimizers import FusedAdam  # noqa: E402
from tfrainbow.agents.rainbow import RainbowAgent  # noqa: E402
from tfrainbow.networks.encoders import ConvEncoder, MLPEncoder, NatureCNN  # noqa: E402
from tfrainbow.networks.precision import cpu_has_bf16, precision_scope  # noqa: E402
from tfrainbow.networks.q_networks import RainbowNetwork  # noqa: E402
from tfrainbow.runtime.learners import Learner  # noqa: E402

from benchmarks import kernel_time, machine_limits, peer_process  # noqa: E402
from benchmarks.kernel_time import float_ops  # noqa: E402
from benchmarks.suite import machine as machine_name  # noqa: E402

DOPAMINE_SAME_WORK = "peer: Dopamine JAX full Rainbow, same network"

ATOMS, N_STEP = 51, 3
SHAPES = {"mlp": ((4,), 2, np.float32), "cnn": ((84, 84, 4), 6, np.uint8),
          "minatar": ((10, 10, 4), 6, np.bool_)}


def observations(network, rng, *batch_shape):
    shape, _, dtype = SHAPES[network]
    if dtype == np.uint8:
        return rng.integers(0, 256, (*batch_shape, *shape), dtype=np.uint8)
    if dtype == np.bool_:  # MinAtar's channels: about a tenth of the cells set
        return rng.random((*batch_shape, *shape)) < 0.1
    return rng.normal(size=(*batch_shape, *shape)).astype(np.float32)


def ours(network, batch, updates_per_call=0, precision="float32", optimizer=FusedAdam,
         **network_kwargs):
    """A train function, the updates it does per call and its graph; updates_per_call 0:
    agent.train called directly, else a Learner looping that many updates in one call."""
    shape, actions, dtype = SHAPES[network]
    with precision_scope(precision):
        if network == "minatar":  # gin/rainbow/minatar.gin's network: no hidden layer
            encoder = ConvEncoder((16,), (3,), (1,), "same")
            network_kwargs = dict(hidden_units=(), v_min=-100.0, v_max=100.0, **network_kwargs)
        else:
            encoder = MLPEncoder((512,)) if network == "mlp" else NatureCNN()
            network_kwargs = dict(hidden_units=(512,), **network_kwargs)
        net = RainbowNetwork(encoder, actions, num_atoms=ATOMS, **network_kwargs)
        agent = RainbowAgent(tf.TensorSpec(shape, tf.as_dtype(dtype)),
                             specs.BoundedTensorSpec((), tf.int64, 0, actions - 1), net,
                             optimizer(1e-4)).initialize()  # n-step: the batch's discounts
    rng = np.random.default_rng(0)
    data = specs.Transition(observations(network, rng, batch),
                            rng.integers(0, actions, batch), np.ones(batch, np.float32),
                            np.full(batch, 0.97, np.float32), observations(network, rng, batch))
    data = tf.nest.map_structure(tf.constant, data)
    weights = tf.ones([batch])
    graph = lambda: agent._train_fn.get_concrete_function(data, weights).graph  # noqa: E731
    graph.agent = agent  # for tests
    if not updates_per_call:
        return (lambda: agent.train(data, weights).loss), 1, graph
    from reverb.replay_sample import ReplaySample

    dataset = tf.data.Dataset.from_tensors(ReplaySample((), data)).repeat().prefetch(2)
    learner = Learner(agent, dataset, updates_per_call=updates_per_call)
    return (lambda: learner.step().loss), updates_per_call, graph


TF_AGENTS = "peer: TF-Agents C51"
TF_AGENTS_FUSED = "peer: TF-Agents C51, fused Adam"


def tf_agents_peers(network, batch, python):
    """TF-Agents' C51 in its own environment (runs/peers/tf_agents, built by `make bench`),
    with Keras' Adam (its examples') and Keras' legacy Adam (the fused kernel): on the MLP and
    the Nature CNN (its convolutions pad VALID: not MinAtar's network)."""
    if network == "minatar":
        return {}
    if not python:
        print("TF-Agents peer skipped: its environment is missing (make bench builds "
              "runs/peers/tf_agents).")
        return {}
    common = [f"--network={network}", f"--batch={batch}", f"--n_step={N_STEP}"]
    return {TF_AGENTS: peer_process.PeerProcess(python, "tf_agents_c51.py",
                                                common + ["--optimizer=keras"]),
            TF_AGENTS_FUSED: peer_process.PeerProcess(python, "tf_agents_c51.py",
                                                      common + ["--optimizer=legacy"])}


def dopamine_peers(network, batch, python):
    """Dopamine's full Rainbow in its own environment: on the Nature CNN with the same network
    as ours (VALID padding) and as shipped (SAME); on MinAtar's network (Revisiting Rainbow's,
    built of Dopamine's layers: benchmarks/peers/dopamine_rainbow.py)."""
    if network == "mlp":
        return {}
    if not python:
        print("Dopamine peer skipped: its environment is missing (make bench builds "
              "runs/peers/dopamine).")
        return {}
    shape, actions, _ = SHAPES[network]
    common = [f"--batch={batch}", f"--actions={actions}", f"--atoms={ATOMS}",
              f"--n_step={N_STEP}"]
    if network == "minatar":
        return {DOPAMINE_SAME_WORK: peer_process.PeerProcess(
            python, "dopamine_rainbow.py", common + ["--network=minatar",
                                                     f"--channels={shape[-1]}"])}
    return {DOPAMINE_SAME_WORK: peer_process.PeerProcess(
                python, "dopamine_rainbow.py", common + ["--padding=VALID"]),
            "peer: Dopamine as shipped (SAME: 7,744 features)": peer_process.PeerProcess(
                python, "dopamine_rainbow.py", common + ["--padding=SAME"])}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--network", choices=sorted(SHAPES), default="mlp")
    parser.add_argument("--updates_per_call", type=int, default=8)
    parser.add_argument("--out", default=None)
    parser.add_argument("--dopamine_python", default=peer_process.peer_python("dopamine"),
                        help="the interpreter of Dopamine's environment (make bench builds "
                             "runs/peers/dopamine); Nature CNN and MinAtar only")
    parser.add_argument("--tf_agents_python", default=peer_process.peer_python("tf_agents"),
                        help="the interpreter of TF-Agents' environment (make bench builds "
                             "runs/peers/tf_agents); MLP and Nature CNN only")
    args = parser.parse_args()
    net, batch, k = args.network, args.batch, args.updates_per_call
    contenders = {"ours: all six": ours(net, batch),
                  f"ours: all six, {k} per call": ours(net, batch, k),
                  f"ours: dueling off, {k} per call": ours(net, batch, k, dueling=False),
                  f"ours: noisy off, {k} per call": ours(net, batch, k, noisy=False),
                  f"ours: dueling+noisy off, {k} per call": ours(net, batch, k, dueling=False,
                                                                  noisy=False),
                  f"ours: all six, {k} per call, bf16": ours(net, batch, k,
                                                             precision="mixed_bfloat16"),
                  f"ours: all six, {k} per call, bf16, float32 head": ours(
                      net, batch, k, precision="mixed_bfloat16", head_precision="float32"),
                  f"ours: all six, {k} per call, Keras Adam": ours(
                      net, batch, k, optimizer=tf.keras.optimizers.Adam)}
    if net != "minatar":  # MinAtar's head has no hidden layer to share
        contenders[f"ours: all six, shared hidden, {k} per call"] = ours(net, batch, k,
                                                                         shared_hidden=True)
    for fn, *_ in contenders.values():  # trace and warm up
        for _ in range(3):
            fn().numpy()
    remotes = {**tf_agents_peers(net, batch, args.tf_agents_python),
               **dopamine_peers(net, batch, args.dopamine_python)}
    try:
        report(args, contenders, remotes)
    finally:
        for remote in remotes.values():
            remote.close()


def report(args, contenders, remotes):
    """Alternating rounds of every contender and peer, then the table, the kernel split and
    the JSON file."""
    net, batch = args.network, args.batch
    rates = {name: [] for name in [*contenders, *remotes]}
    for _ in range(args.rounds):
        for name, (fn, per_call, _) in contenders.items():
            calls = max(1, args.steps // per_call)
            start = time.perf_counter()
            for _ in range(calls):
                loss = fn()
            loss.numpy()
            rates[name].append(calls * per_call / (time.perf_counter() - start))
        for name, remote in remotes.items():
            rates[name].append(remote.round(args.steps))
    medians = {name: statistics.median(r) for name, r in rates.items()}
    flops = {name: float_ops(graph()) for name, (_, _, graph) in contenders.items()}
    flops.update({name: remote.info.get("float_ops") for name, remote in remotes.items()})
    peer_rate, fused_rate = medians.get(TF_AGENTS), medians.get(TF_AGENTS_FUSED)
    dopamine_rate = medians.get(DOPAMINE_SAME_WORK)
    machine = machine_limits.limits(bf16=cpu_has_bf16())
    title = {"mlp": "MLP 512-512", "cnn": "Nature CNN + 512",
             "minatar": "MinAtar network (3x3x16 conv, no hidden layer; Breakout's 4 channels)"}
    print(f"{title[net]}, batch {batch}, "
          f"{ATOMS} atoms, n-step {N_STEP}, float32 (unless bf16), device "
          f"{'GPU' if tf.config.list_physical_devices('GPU') else 'CPU'}, "
          f"{os.cpu_count()} cores, {args.rounds} rounds x ~{args.steps} updates; bf16 rows: "
          f"mixed_bfloat16, CPU native bf16 {'yes' if cpu_has_bf16() else 'no (emulated)'}; "
          f"{machine_name()}")
    print(f"This machine in the same run ({machine_limits.MATMUL}^2 matmul, 3x3x64 "
          f"convolution on 42x42): {machine_limits.describe(machine)}")
    layout = ("MinAtar's network, Dopamine's noisy layers" if net == "minatar" else
              "one 512 layer shared by the streams, as 'shared hidden' here")
    print("Peers: TF-Agents C51 does less work (no dueling, no noise, no double Q, uniform "
          "weights); Dopamine's JAX full Rainbow does the same work (noisy, dueling, C51, "
          f"double Q; {layout}).")
    print(f"{'':50s} {'updates/s':>9s} {'ours/c51':>8s} {'ours/fused':>10s} "
          f"{'ours/dopamine':>13s} {'MFLOP/update':>12s} {'GFLOP/s':>8s} {'of matmul':>9s}")
    for name, value in medians.items():
        ours_row = not name.startswith("peer")
        cols = [(peer_rate, 8), (fused_rate, 10), (dopamine_rate, 13)]
        ratios = " ".join(f"{value / rate:{width}.2f}" if rate and ours_row else " " * width
                          for rate, width in cols)
        done = flops[name] * value / 1e9 if flops[name] else None
        print(f"{name:50s} {value:9.1f} {ratios} "
              + (f"{flops[name] / 1e6:12.1f} {done:8.1f} {done / machine['matmul']:9.0%}"
                 if done else f"{'':12s} {'':8s} {'':9s}"))
    kernels = kernel_breakdown(contenders, remotes.get(TF_AGENTS), args.steps, peer_rate)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"args": vars(args), "updates_per_s": medians,
                       "float_ops_per_update": flops, "kernel_ms_per_update": kernels,
                       "machine_gflops": machine, "machine": machine_name(),
                       "peers": {name: remote.info for name, remote in remotes.items()}},
                      f, indent=2)


def kernel_breakdown(contenders, tf_agents, steps, peer_rate):
    """Where one update's CPU time goes (ours with all six, one update per call, and the
    TF-Agents peer, which profiles itself in its process), and the bound it sets: ours
    cannot beat the peer by more than the peer's whole update over the time ours' matmuls,
    convolutions and optimizer need on every core."""
    calls = max(5, steps // 4)
    rows = {"ours: all six": kernel_time.kernel_ms(contenders["ours: all six"][0], calls)}
    if tf_agents is not None:
        rows[TF_AGENTS] = tf_agents.ask(f"profile {calls}")["kernel_ms"]
    kinds = ("matmul", "convolution", "optimizer", "other", "total")
    print("CPU ms per update by kernel (TF profiler; op time summed over TF's threads; the "
          "peer's Adam is element-wise ops, in 'other'):")
    print(f"{'':42s} " + " ".join(f"{kind:>11s}" for kind in kinds))
    for name, ms in rows.items():
        print(f"{name:42s} " + " ".join(f"{ms.get(kind, 0.0):11.2f}" for kind in kinds))
    ours = rows.get("ours: all six")
    if ours and peer_rate:
        needed = sum(ours.get(kind, 0.0) for kind in ("matmul", "convolution", "optimizer"))
        cores = os.cpu_count()
        print(f"Bound: ours' matmuls, convolutions and optimizer take {needed:.1f} ms of CPU "
              f"per update, >= {needed / cores:.1f} ms on {cores} cores; the peer's whole "
              f"update takes {1000 / peer_rate:.1f} ms: ours/peer <= "
              f"{1000 / peer_rate / (needed / cores):.2f} on this CPU for this arithmetic.")
    return rows


if __name__ == "__main__":
    main()
