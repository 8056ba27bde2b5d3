"""The IMPALA actor's bootstrap value at a time limit: which envs get one, from which
observation and core state, held against the network run eagerly over the two steps. Its
reports to the learner (env steps, episodes, first unroll), against hand-derived cases."""
import multiprocessing
import queue

import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.networks.actor_critic import ActorCriticNetwork
from tfrainbow.networks.encoders import MLPEncoder
from tfrainbow.policies.actor_critic_policies import ActorCriticPolicy
from tfrainbow.runtime.impala_actor import UnrollReports, truncation_values

E, OBS = 3, 4
# (terminated, truncated): only a truncation that is not also a terminal is bootstrapped.
CASES = [
    ([False, False, False], [False, False, False]),  # nothing ended: no call, all zeros
    ([False, False, False], [False, True, False]),   # env 1 cut by the time limit
    ([True, False, False], [True, False, True]),     # env 0 ended by a terminal: 0
    ([False, True, False], [True, False, True]),     # envs 0 and 2 cut, env 1 terminal
]


@pytest.mark.parametrize("lstm_units", [None, 8])
@pytest.mark.parametrize("terminated,truncated", CASES)
def test_truncation_values_are_v_of_the_final_observation(lstm_units, terminated, truncated):
    tf.random.set_seed(0)
    network = ActorCriticNetwork(MLPEncoder(hidden_units=(16,)), num_actions=2,
                                 lstm_units=lstm_units)
    spec = tf.TensorSpec([OBS], tf.float32)
    policy = ActorCriticPolicy(network, spec, sample=True)
    rng = np.random.default_rng(0)
    x_t = rng.normal(size=(E, OBS)).astype(np.float32)  # what the policy acted on
    first = np.array([True, False, True])
    _, _, state = policy.compiled_step(E)(tf.constant(x_t), tf.constant(first),
                                          network.initial_state(E))
    new_obs = rng.normal(size=(E, OBS)).astype(np.float32)  # after auto-reset where ended
    final = [rng.normal(size=OBS).astype(np.float32) if (a or b) else None
             for a, b in zip(terminated, truncated)]

    values = truncation_values(policy.compiled_value(E), new_obs, state,
                               np.array(terminated), np.array(truncated), final)

    # Reference: the network over the sequence [x_t, final] from the initial state, one env
    # at a time, eagerly; the value at the second step.
    expected = np.zeros(E, np.float32)
    for i in range(E):
        if truncated[i] and not terminated[i]:
            sequence = np.stack([x_t[i], final[i]])[:, None]  # [2, 1, OBS]
            _, v, _ = network(sequence, tf.constant([[first[i]], [False]]),
                              network.initial_state(1))
            expected[i] = v.numpy()[1, 0]
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-6)
    assert (values[~(np.array(truncated) & ~np.array(terminated))] == 0).all()


# Unrolls of 3 vector steps over 2 envs (6 env steps). Events: an int is one vector step
# (on_steps(2)), a tuple an episode that ended, "flush" the actor stopping. Expected: the
# shared env-step counter, the queue's messages and the `writing` counter at the end.
REPORT_CASES = [
    ([2, 2], 0, [], 0),                                   # within the first unroll: nothing
    ([2, (10.0, 5), 2, 2], 6, [[(10.0, 5)]], 1),          # one unroll, its episode
    ([2, 2, 2, 2, 2, 2], 12, [], 1),                      # two unrolls: writing counts once
    ([(1.0, 1), (2.0, 2), 2, 2, 2, 2, (3.0, 9), 2, 2], 12,
     [[(1.0, 1), (2.0, 2)], [(3.0, 9)]], 1),              # episodes grouped per unroll
    ([2, 2, 2, 2, (4.0, 4), "flush"], 8, [[(4.0, 4)]], 1),  # a partial unroll at the stop
    (["flush"], 0, [], 0),                                # stopped before any step
]


@pytest.mark.parametrize("events, steps, messages, writing", REPORT_CASES)
def test_unroll_reports(events, steps, messages, writing):
    context = multiprocessing.get_context("spawn")
    env_steps, written = context.Value("q", 0), context.Value("i", 0)
    episodes = queue.Queue()
    reports = UnrollReports(6, env_steps, episodes, written)
    for event in events:
        if event == "flush":
            reports.flush()
        elif isinstance(event, tuple):
            reports.on_episode(*event)
        else:
            reports.on_steps(event)
    assert env_steps.value == steps
    assert [episodes.get_nowait() for _ in range(episodes.qsize())] == messages
    assert written.value == writing
