"""The same-work peer: Dopamine's JAX full Rainbow train step on fixed batches, driven round by
round over stdin so that benchmarks/learner_throughput.py can alternate it with ours.

Runs in its own environment (`make bench` builds runs/peers/dopamine: dopamine-rl 4.1.2, jax
0.4.30, flax 0.8.5, optax 0.2.3), never in .venv; it imports nothing of tfrainbow.

    runs/peers/dopamine/bin/python benchmarks/peers/dopamine_rainbow.py --padding=VALID

Protocol: after tracing and warm-up it prints one JSON line {"ready": ...}; then each stdin
line "run N" runs N updates and prints {"updates_per_s": ...}; "quit" (or EOF) ends it.

What runs: `full_rainbow_agent.train` (noisy, dueling, C51 with 51 atoms, double Q, n-step
targets given as rewards and discounts) on `networks.FullRainbowNetwork`, the Nature CNN with
Dopamine's one 512 noisy layer shared by the two dueling streams; Adam by Dopamine's
`create_optimizer`. Flax's Conv pads SAME by default, so as shipped the torso gives 11x11x64 =
7,744 features; --padding=VALID gives the Nature CNN's 7x7x64 = 3,136 (what ours computes).

--network=minatar: the same train step on Revisiting Rainbow's MinAtar network (its
networks_new.RainbowDQNNetwork with hidden_layer 0, built on Dopamine's JAX): boolean
[10, 10, C] observations as floats, one 3x3 convolution of 16 channels (stride 1, SAME),
flattened (1,600 features) straight into Dopamine's noisy dueling C51 layers; support
[-100, 100]. Dopamine ships no noisy dueling MinAtar network (its MinatarRainbowNetwork is
plain C51), hence this module, made of Dopamine's own `feature_layer`.
"""
import argparse
import functools
import json
import os
import sys
import time
import types

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("JAX_PLATFORMS", "cpu")


def stand_ins():
    """dopamine.discrete_domains.atari_lib imports OpenAI baselines, legacy gym and OpenCV at
    module level for its environment wrappers, its replay memory python-snappy for
    compression; the train step uses none of them. Empty modules stand in for whichever is
    not installed."""
    for name in ("baselines", "baselines.common", "baselines.common.atari_wrappers", "gym",
                 "cv2", "snappy"):
        try:
            __import__(name)
        except ImportError:
            sys.modules[name] = types.ModuleType(name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--actions", type=int, default=6)
    parser.add_argument("--atoms", type=int, default=51)
    parser.add_argument("--n_step", type=int, default=3)
    parser.add_argument("--padding", choices=("SAME", "VALID"), default="VALID")
    parser.add_argument("--network", choices=("nature", "minatar"), default="nature")
    parser.add_argument("--channels", type=int, default=4, help="MinAtar's (Breakout: 4)")
    args = parser.parse_args()
    stand_ins()
    import jax
    import jax.numpy as jnp
    import numpy as np
    from flax import linen
    from dopamine.jax import networks
    from dopamine.jax.agents.dqn import dqn_agent
    from dopamine.jax.agents.full_rainbow import full_rainbow_agent

    if args.padding == "VALID":
        # FullRainbowNetwork calls `nn.Conv(...)` from its module's `nn` (flax.linen): the
        # same module with Conv padding VALID, everything else flax's own.
        patched = types.ModuleType("flax_linen_valid_conv")
        patched.__dict__.update(linen.__dict__)
        patched.Conv = functools.partial(linen.Conv, padding="VALID")
        networks.nn = patched
    data = np.random.default_rng(0)
    if args.network == "minatar":
        network_def = minatar_network(linen, networks, jnp, jax)(num_actions=args.actions,
                                                            num_atoms=args.atoms)
        support = jnp.linspace(-100.0, 100.0, args.atoms)
        frames = lambda: data.random((args.batch, 10, 10, args.channels)) < 0.1  # noqa
    else:
        network_def = networks.FullRainbowNetwork(num_actions=args.actions,
                                                  num_atoms=args.atoms, noisy=True,
                                                  dueling=True, distributional=True)
        support = jnp.linspace(-10.0, 10.0, args.atoms)
        frames = lambda: data.integers(0, 256, (args.batch, 84, 84, 4), dtype=np.uint8)  # noqa
    rng = jax.random.PRNGKey(0)
    states, next_states = jnp.asarray(frames()), jnp.asarray(frames())
    actions = jnp.asarray(data.integers(0, args.actions, args.batch), jnp.int32)
    rewards = jnp.ones(args.batch)
    terminals = jnp.zeros(args.batch)
    loss_weights = jnp.ones(args.batch)
    online_params = network_def.init(rng, x=states[0], support=support)
    target_params = online_params
    # Ours' optimizer settings (benchmarks/learner_throughput.py: Adam, 1e-4).
    optimizer = dqn_agent.create_optimizer("adam", learning_rate=1e-4)
    optimizer_state = optimizer.init(online_params)
    gamma = 0.99 ** args.n_step

    def arguments():
        return (network_def, online_params, target_params, optimizer, optimizer_state, states,
                actions, next_states, rewards, terminals, loss_weights, support, gamma, True,
                True, False, rng)

    def update():
        nonlocal optimizer_state, online_params, rng
        optimizer_state, online_params, loss, _, rng = full_rainbow_agent.train(*arguments())
        return loss

    for _ in range(3):  # trace and warm up
        update().block_until_ready()
    num_params = int(sum(np.prod(p.shape) for p in jax.tree_util.tree_leaves(online_params)))
    # The torso's features: the rows of the first noisy layer's kernel (features x units).
    torso = online_params["params"]["NoisyNetwork_0"]["kernel_mu"].shape[0]
    # XLA's count for the compiled update (ours: TF's profiler over its graph).
    cost = full_rainbow_agent.train.lower(*arguments()).compile().cost_analysis()
    cost = cost[0] if isinstance(cost, (list, tuple)) else cost
    print(json.dumps({"ready": True, "network": args.network, "padding": args.padding, "torso_features": int(torso),
                      "parameters": num_params, "float_ops": float(cost.get("flops", 0.0)),
                      "jax": jax.__version__}), flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "quit":
            break
        steps = int(command[1])
        start = time.perf_counter()
        for _ in range(steps):
            loss = update()
        loss.block_until_ready()
        print(json.dumps({"updates_per_s": steps / (time.perf_counter() - start)}), flush=True)


def minatar_network(nn, networks, jnp, jax):
    """Revisiting Rainbow's MinAtar Rainbow network (hidden_layer = 0) as a flax module with
    FullRainbowNetwork's call signature and outputs, so full_rainbow_agent.train runs it."""
    from dopamine.discrete_domains import atari_lib

    class MinatarFullRainbowNetwork(nn.Module):
        num_actions: int
        num_atoms: int

        @nn.compact
        def __call__(self, x, support, eval_mode=False, key=None):
            if key is None:  # as FullRainbowNetwork (init passes none)
                key = jax.random.PRNGKey(0)
            x = x.astype(jnp.float32)  # [10, 10, C] booleans
            x = nn.relu(nn.Conv(features=16, kernel_size=(3, 3), strides=(1, 1),
                                kernel_init=nn.initializers.xavier_uniform())(x))
            x = x.reshape((-1))  # [1600]
            net = networks.feature_layer(key, True, eval_mode=eval_mode)
            adv = net(x, features=self.num_actions * self.num_atoms)
            value = net(x, features=self.num_atoms)
            adv = adv.reshape((self.num_actions, self.num_atoms))
            logits = value.reshape((1, self.num_atoms)) + adv - jnp.mean(adv, axis=0,
                                                                         keepdims=True)
            probabilities = nn.softmax(logits)
            q_values = jnp.sum(support * probabilities, axis=1)
            return atari_lib.RainbowNetworkType(q_values, logits, probabilities)

    return MinatarFullRainbowNetwork


if __name__ == "__main__":
    main()
