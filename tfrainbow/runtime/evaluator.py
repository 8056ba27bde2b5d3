"""Evaluator: the greedy policy for N whole episodes, run side by side with batched inference."""
from typing import Callable, NamedTuple

import numpy as np


class EvalResult(NamedTuple):
    mean: float
    std: float
    returns: np.ndarray  # [num_episodes] undiscounted episode returns


def evaluate(action_fn: Callable, make_env: Callable, num_episodes: int = 10,
             seed: int = 10_000) -> EvalResult:
    """Runs `num_episodes` episodes (env i seeded `seed + i`), one batched action call per step.

    action_fn maps a batch of observations [k, ...] to actions [k] (a policy's `action`, or a
    SavedModel's); make_env builds one gymnasium env.
    """
    envs = [make_env() for _ in range(num_episodes)]
    obs = [env.reset(seed=seed + i)[0] for i, env in enumerate(envs)]
    returns = np.zeros(num_episodes)
    alive = list(range(num_episodes))
    try:
        while alive:
            actions = np.asarray(action_fn(np.stack([obs[i] for i in alive])))
            still_alive = []
            for i, action in zip(alive, actions):
                obs[i], reward, terminated, truncated, _ = envs[i].step(int(action))
                returns[i] += reward
                if not (terminated or truncated):
                    still_alive.append(i)
            alive = still_alive
    finally:
        for env in envs:
            env.close()
    return EvalResult(float(returns.mean()), float(returns.std()), returns)


def epsilon_greedy(action_fn: Callable, num_actions: int, epsilon: float,
                   seed: int = 0) -> Callable:
    """action_fn with probability epsilon of a uniform random action per observation (the
    Atari evaluation protocol's epsilon = 0.001 for policies without noisy layers)."""
    if epsilon <= 0.0:
        return action_fn
    rng = np.random.default_rng(seed)

    def act(observations):
        actions = np.asarray(action_fn(observations)).copy()
        explore = rng.random(len(actions)) < epsilon
        actions[explore] = rng.integers(0, num_actions, int(explore.sum()))
        return actions

    return act
