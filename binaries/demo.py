"""Placeholder demo: builds the CartPole Rainbow agent from gin and trains it briefly on
random-policy transitions. The full training run replaces this."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import gin  # noqa: E402
import numpy as np  # noqa: E402

from tfrainbow import envs, specs  # noqa: E402
from tfrainbow.losses import nstep  # noqa: E402
from tfrainbow.runtime import builders  # noqa: E402


def random_transitions(env, agent, count, seed=0):
    """n-step transitions from a uniformly random policy, one episode after another."""
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    steps = []
    while len(steps) < count + agent.n_step:
        action = int(rng.integers(agent.num_actions))
        next_obs, reward, terminated, truncated, _ = env.step(action)
        steps.append((obs, action, reward, terminated, truncated or terminated, next_obs))
        obs = env.reset()[0] if terminated or truncated else next_obs
    rows = []
    for t in range(count):
        window = steps[t:t + agent.n_step]
        end = next((k for k, s in enumerate(window) if s[4]), len(window) - 1)
        window = window[:end + 1]
        pad = agent.n_step - len(window)
        rewards = np.array([s[2] for s in window] + [0.0] * pad, np.float32)
        terminated = np.array([s[3] for s in window] + [False] * pad)
        valid = np.array([True] * len(window) + [False] * pad)
        ret, disc = nstep.n_step_return(rewards, nstep.step_discounts(terminated, agent.gamma,
                                                                       valid))
        rows.append((window[0][0], window[0][1], float(ret), float(disc), window[-1][5]))
    return [np.array(column) for column in zip(*rows)]


def main():
    gin.parse_config_file(os.path.join(os.path.dirname(__file__), "..", "gin", "rainbow",
                                       "cartpole.gin"))
    env = envs.make_env()
    agent = builders.build_rainbow_agent(specs.specs_from_env(env))
    net = agent.network
    print(f"Rainbow on {env.spec.id}: double={agent.double} n_step={agent.n_step} "
          f"dueling={net.dueling} noisy={net.noisy} distributional={net.distributional} "
          f"({net.num_atoms} atoms)")
    data = random_transitions(env, agent, 2000)
    rng = np.random.default_rng(1)
    for step in range(1, 301):
        index = rng.integers(0, len(data[0]), 32)
        info = agent.train(specs.Transition(*(np.asarray(c[index]) for c in data)))
        if step % 100 == 0:
            print(f"update {step}: loss {float(info.loss):.3f}, mean Q {float(info.extra.q_mean):.2f}")
    print("The full CartPole training run (Reverb replay, checkpoints, SavedModel) is next.")


if __name__ == "__main__":
    main()
