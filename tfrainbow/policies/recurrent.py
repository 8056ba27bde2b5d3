"""A policy as evaluation drives it: `action_fn(policy)` is the policy's batched action
call, or, for a policy with a recurrent core, a `RecurrentActionFn` that carries the core
state across an episode's steps and starts it afresh at the episode's first step."""
from typing import Callable, NamedTuple

import numpy as np


class RecurrentActionFn(NamedTuple):
    """`initial_state(n)` -> the state of n streams (a tuple of [n, ...] arrays);
    `step(observations [k, ...], first [k] bool, state) -> (actions [k], state)`, where
    `first[i]` marks stream i's observation as its episode's first (its state is reset)."""

    initial_state: Callable
    step: Callable


def action_fn(policy):
    """What evaluate() calls: `policy.action` for a feedforward policy, a RecurrentActionFn
    over `policy.recurrent_action` for one with a core (ActorCriticPolicy.recurrent)."""
    if not getattr(policy, "recurrent", False):
        return policy.action

    def step(observations, first, state):
        actions, state = policy.recurrent_action(observations, first, state)
        return actions.numpy(), tuple(s.numpy() for s in state)

    return RecurrentActionFn(
        lambda n: tuple(np.asarray(s) for s in policy.get_initial_state(n)), step)

