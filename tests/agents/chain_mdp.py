"""A deterministic chain MDP with analytic Q-values, fed to agents as batches of transitions.

States 0..L-1 on a line, actions 0 (left) and 1 (right). Right from the last state earns
+1 and terminates; left from state 0 stays there. Every other reward is 0. The optimal
Q-values come from value iteration on this model, independent of the agent's code.
"""
import numpy as np

from tfrainbow import specs
from tfrainbow.losses import nstep

LENGTH = 6


def step(state, action):
    """-> (next_state, reward, terminated)."""
    if action == 1:
        if state == LENGTH - 1:
            return LENGTH, 1.0, True  # LENGTH is the absorbing terminal state
        return state + 1, 0.0, False
    return max(state - 1, 0), 0.0, False


def optimal_q(gamma, iterations=500):
    """Value iteration: [LENGTH, 2]."""
    q = np.zeros((LENGTH, 2))
    for _ in range(iterations):
        v = q.max(axis=1)
        new = np.zeros_like(q)
        for s in range(LENGTH):
            for a in range(2):
                s2, r, done = step(s, a)
                new[s, a] = r + (0.0 if done else gamma * v[s2])
        q = new
    return q


def one_hot(state):
    x = np.zeros(LENGTH + 1, np.float32)
    x[state] = 1.0
    return x


def transitions(gamma, n_step):
    """One n-step Transition per (s, a): take a, then the optimal action (right), so that the
    n-step target is unbiased for Q*. Returns a Transition of numpy arrays [2 * LENGTH]."""
    rows = []
    for s in range(LENGTH):
        for a in range(2):
            rewards, terminated, state, action = [], [], s, a
            for _ in range(n_step):
                state, r, done = step(state, action)
                rewards.append(r)
                terminated.append(done)
                action = 1
                if done:
                    break
            valid = [1.0] * len(rewards) + [0.0] * (n_step - len(rewards))
            rewards += [0.0] * (n_step - len(rewards))
            terminated += [False] * (n_step - len(terminated))
            ret, disc = nstep.n_step_return(
                np.array(rewards, np.float32),
                nstep.step_discounts(np.array(terminated), gamma, np.array(valid)))
            rows.append((one_hot(s), a, float(ret), float(disc), one_hot(state)))
    obs, act, ret, disc, nxt = (np.array(c) for c in zip(*rows))
    return specs.Transition(obs, act.astype(np.int64), ret.astype(np.float32),
                            disc.astype(np.float32), nxt)


def sample_batch(data, batch_size, rng):
    index = rng.integers(0, len(data.action), batch_size)
    return specs.Transition(*(np.asarray(column)[index] for column in data))
