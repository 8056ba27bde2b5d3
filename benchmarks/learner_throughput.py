"""Learner updates/s: tfrainbow's RainbowAgent against TF-Agents' CategoricalDqnAgent on the
same MLP and batch, alternating rounds (A B A B ...) in one process; medians and ratios.

    pip install tf-agents==0.19.0   # the `bench` extra; see the note on typing-extensions
    python benchmarks/learner_throughput.py --rounds=5 --steps=200 --out=learner.json

Conditions: CartPole shapes (4 observations, 2 actions), 51 atoms, n-step 3, batch 32, Adam.
Rows: ours with all six components, ours with each network component off, the peer (C51
with n-step; no dueling, no noise, uniform replay weights).
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfrainbow import specs  # noqa: E402
from tfrainbow.agents.rainbow import RainbowAgent  # noqa: E402
from tfrainbow.networks.encoders import MLPEncoder  # noqa: E402
from tfrainbow.networks.q_networks import RainbowNetwork  # noqa: E402

OBS, ACTIONS, ATOMS, N_STEP = 4, 2, 51, 3


def ours(hidden, batch, **network_kwargs):
    net = RainbowNetwork(MLPEncoder(hidden[:1]), ACTIONS, num_atoms=ATOMS,
                         hidden_units=hidden[1:], **network_kwargs)
    agent = RainbowAgent(tf.TensorSpec([OBS], tf.float32),
                         specs.BoundedTensorSpec((), tf.int64, 0, ACTIONS - 1), net,
                         tf.keras.optimizers.Adam(1e-4), n_step=N_STEP).initialize()
    rng = np.random.default_rng(0)
    data = specs.Transition(rng.normal(size=(batch, OBS)).astype(np.float32),
                            rng.integers(0, ACTIONS, batch), np.ones(batch, np.float32),
                            np.full(batch, 0.97, np.float32),
                            rng.normal(size=(batch, OBS)).astype(np.float32))
    data = tf.nest.map_structure(tf.constant, data)
    weights = tf.ones([batch])
    return lambda: agent.train(data, weights).loss


def peer(hidden, batch):
    from tf_agents.agents.categorical_dqn import categorical_dqn_agent
    from tf_agents.networks import categorical_q_network
    from tf_agents.specs import tensor_spec
    from tf_agents.trajectories import time_step as ts
    from tf_agents.trajectories import trajectory
    from tf_agents.utils import common

    obs_spec = tensor_spec.TensorSpec([OBS], tf.float32)
    action_spec = tensor_spec.BoundedTensorSpec((), tf.int64, 0, ACTIONS - 1)
    time_step_spec = ts.time_step_spec(obs_spec)
    net = categorical_q_network.CategoricalQNetwork(obs_spec, action_spec, num_atoms=ATOMS,
                                                    fc_layer_params=hidden)
    agent = categorical_dqn_agent.CategoricalDqnAgent(
        time_step_spec, action_spec, categorical_q_network=net,
        optimizer=tf.keras.optimizers.Adam(1e-4), n_step_update=N_STEP,
        min_q_value=-10.0, max_q_value=10.0)
    agent.initialize()
    rng = np.random.default_rng(0)
    T = N_STEP + 1
    experience = trajectory.Trajectory(
        step_type=tf.ones([batch, T], tf.int32), observation=tf.constant(
            rng.normal(size=(batch, T, OBS)).astype(np.float32)),
        action=tf.constant(rng.integers(0, ACTIONS, (batch, T))), policy_info=(),
        next_step_type=tf.ones([batch, T], tf.int32), reward=tf.ones([batch, T]),
        discount=tf.ones([batch, T]))
    train = common.function(agent.train)
    return lambda: train(experience).loss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    hidden = (512, 512)
    contenders = {"ours: all six": ours(hidden, args.batch),
                  "ours: dueling off": ours(hidden, args.batch, dueling=False),
                  "ours: noisy off": ours(hidden, args.batch, noisy=False),
                  "ours: dueling+noisy off": ours(hidden, args.batch, dueling=False,
                                                  noisy=False)}
    try:
        contenders["peer: TF-Agents C51"] = peer(hidden, args.batch)
    except ImportError as error:
        print(f"peer skipped ({error}): pip install tf-agents==0.19.0")
    for fn in contenders.values():  # trace and warm up
        for _ in range(10):
            fn().numpy()
    rates = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                loss = fn()
            loss.numpy()
            rates[name].append(args.steps / (time.perf_counter() - start))
    medians = {name: statistics.median(r) for name, r in rates.items()}
    peer_rate = medians.get("peer: TF-Agents C51")
    print(f"MLP {hidden}, batch {args.batch}, {ATOMS} atoms, n-step {N_STEP}, device "
          f"{'GPU' if tf.config.list_physical_devices('GPU') else 'CPU'}, "
          f"{os.cpu_count()} cores, {args.rounds} rounds x {args.steps} updates")
    for name, value in medians.items():
        ratio = f"  ours/peer {value / peer_rate:.2f}" if peer_rate and name != "peer: TF-Agents C51" else ""
        print(f"{name:26s} {value:8.1f} updates/s{ratio}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"args": vars(args), "updates_per_s": medians}, f, indent=2)


if __name__ == "__main__":
    main()
