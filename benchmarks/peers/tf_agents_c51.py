"""The peer that does less work: TF-Agents 0.19's CategoricalDqnAgent (C51 with n-step returns;
no dueling, no noise, no double Q, uniform replay weights), one update per call as TF-Agents
runs it, on fixed batches, driven round by round over stdin so that
benchmarks/learner_throughput.py can alternate it with ours.

Runs in its own environment (`make bench` builds runs/peers/tf_agents: tensorflow 2.15.1 as
.venv, tf-agents 0.19.0, gym 0.23.0), never in .venv; it imports nothing of tfrainbow.

    runs/peers/tf_agents/bin/python benchmarks/peers/tf_agents_c51.py --network=cnn

--network=mlp: CartPole shapes (4 observations, 2 actions), fc 512-512; cnn: 84x84x4 frames
as floats, 6 actions, the Nature CNN + 512 as TF-Agents' Atari examples build it. 51 atoms,
support [-10, 10]. --optimizer=keras: tf.keras.optimizers.Adam (TF-Agents' DQN examples);
legacy: Keras' legacy Adam (the fused kernel ours' FusedAdam runs).

Protocol (benchmarks/peer_process.py): after tracing and warm-up one JSON line {"ready": ...,
"float_ops": TF's profiler count of one update's graph}; then "run N" -> {"updates_per_s"},
"profile N" -> {"kernel_ms": one update's CPU ms by kernel kind (benchmarks/kernel_time.py)},
"quit" (or EOF) ends it.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)  # benchmarks.kernel_time: TensorFlow's profiler, nothing of ours

ATOMS = 51
SHAPES = {"mlp": ((4,), 2), "cnn": ((84, 84, 4), 6)}


def make_update(network, batch, n_step, optimizer):
    """TF-Agents' C51 train function on one fixed batch of trajectories (n_step + 1 long)."""
    import numpy as np
    import tensorflow as tf
    from tf_agents.agents.categorical_dqn import categorical_dqn_agent
    from tf_agents.networks import categorical_q_network
    from tf_agents.specs import tensor_spec
    from tf_agents.trajectories import time_step as ts
    from tf_agents.trajectories import trajectory
    from tf_agents.utils import common

    shape, actions = SHAPES[network]
    obs_spec = tensor_spec.TensorSpec(shape, tf.float32)
    action_spec = tensor_spec.BoundedTensorSpec((), tf.int64, 0, actions - 1)
    if network == "mlp":
        net = categorical_q_network.CategoricalQNetwork(
            obs_spec, action_spec, num_atoms=ATOMS, fc_layer_params=(512, 512))
    else:  # the Nature CNN, as TF-Agents' Atari examples build it
        net = categorical_q_network.CategoricalQNetwork(
            obs_spec, action_spec, num_atoms=ATOMS,
            conv_layer_params=((32, (8, 8), 4), (64, (4, 4), 2), (64, (3, 3), 1)),
            fc_layer_params=(512,))
    adam = (tf.keras.optimizers.legacy.Adam if optimizer == "legacy"
            else tf.keras.optimizers.Adam)
    agent = categorical_dqn_agent.CategoricalDqnAgent(
        ts.time_step_spec(obs_spec), action_spec, categorical_q_network=net,
        optimizer=adam(1e-4), n_step_update=n_step, min_q_value=-10.0, max_q_value=10.0)
    agent.initialize()
    rng = np.random.default_rng(0)
    T = n_step + 1
    if network == "mlp":
        obs = rng.normal(size=(batch, T, *shape)).astype(np.float32)
    else:
        obs = rng.integers(0, 256, (batch, T, *shape)).astype(np.float32)
    experience = trajectory.Trajectory(
        step_type=tf.ones([batch, T], tf.int32), observation=tf.constant(obs),
        action=tf.constant(rng.integers(0, actions, (batch, T))), policy_info=(),
        next_step_type=tf.ones([batch, T], tf.int32), reward=tf.ones([batch, T]),
        discount=tf.ones([batch, T]))
    train = common.function(agent.train)
    return (lambda: train(experience).loss), train.get_concrete_function(experience).graph


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", choices=sorted(SHAPES), default="cnn")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--n_step", type=int, default=3)
    parser.add_argument("--optimizer", choices=("keras", "legacy"), default="keras")
    args = parser.parse_args()
    import tensorflow as tf
    import tf_agents

    tf.get_logger().setLevel("ERROR")
    from benchmarks import kernel_time

    update, graph = make_update(args.network, args.batch, args.n_step, args.optimizer)
    for _ in range(3):  # trace and warm up
        update().numpy()
    print(json.dumps({"ready": True, "network": args.network, "optimizer": args.optimizer,
                      "float_ops": float(kernel_time.float_ops(graph)),
                      "tensorflow": tf.__version__,
                      "tf_agents": tf_agents.__version__}), flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "quit":
            break
        steps = int(command[1])
        if command[0] == "profile":
            print(json.dumps({"kernel_ms": kernel_time.kernel_ms(update, steps)}), flush=True)
            continue
        start = time.perf_counter()
        for _ in range(steps):
            loss = update()
        loss.numpy()
        print(json.dumps({"updates_per_s": steps / (time.perf_counter() - start)}), flush=True)


if __name__ == "__main__":
    main()
