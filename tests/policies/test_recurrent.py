"""A recurrent (LSTM) policy end to end: evaluation carries its state across an episode and
restarts it at episode starts; the SavedModel serves `initial_state` and a stateful `action`
that a fresh process, with TensorFlow only, drives to the in-process policy's actions."""
import json
import subprocess
import sys

import numpy as np
import tensorflow as tf

from tfrainbow import envs, specs
from tfrainbow.networks.actor_critic import ActorCriticNetwork
from tfrainbow.networks.encoders import MLPEncoder
from tfrainbow.policies.actor_critic_policies import ActorCriticPolicy
from tfrainbow.policies.recurrent import RecurrentActionFn, action_fn
from tfrainbow.policies.saver import export_policy, load_policy
from tfrainbow.runtime.evaluator import epsilon_greedy, evaluate, evaluate_vector


def lstm_policy(lstm_units=8, seed=3):
    tf.keras.utils.set_random_seed(seed)
    env = envs.make_env("CartPole-v1")
    env_specs = specs.specs_from_env(env)
    env.close()
    network = ActorCriticNetwork(MLPEncoder(hidden_units=(16,)), 2, lstm_units=lstm_units)
    network.create_variables(env_specs.observation_spec)
    return ActorCriticPolicy(network, env_specs.observation_spec, sample=False)


def in_process_episode(policy, seed=0, max_steps=60):
    """A fixed episode: observations and the greedy actions, state carried step to step."""
    env = envs.make_env("CartPole-v1")
    obs, _ = env.reset(seed=seed)
    state = policy.get_initial_state(1)
    observations, actions, states = [], [], []
    for t in range(max_steps):
        action, state = policy.recurrent_action(obs[None], tf.constant([t == 0]), state)
        observations.append(obs)
        actions.append(int(action[0]))
        states.append(state[0].numpy()[0])
        obs, _, terminated, truncated, _ = env.step(actions[-1])
        if terminated or truncated:
            break
    env.close()
    return np.array(observations), np.array(actions), np.array(states)


FRESH_PROCESS = """
import json, sys
import numpy as np
import tensorflow as tf  # the only import: a user's loader
policy = tf.saved_model.load(sys.argv[1])
action, initial = policy.signatures["action"], policy.signatures["initial_state"]
observations = np.load(sys.argv[2])
state = initial(batch_size=tf.constant(1))
actions, hs = [], []
for t, obs in enumerate(observations):
    out = action(observation=tf.constant(obs[None], tf.float32), first=tf.constant([t == 0]),
                 state_h=state["state_h"], state_c=state["state_c"])
    state = {"state_h": out["state_h"], "state_c": out["state_c"]}
    actions.append(int(out["action"][0]))
    hs.append(out["state_h"].numpy()[0].tolist())
print(json.dumps({"actions": actions, "h": hs, "signatures": sorted(policy.signatures)}))
"""


def test_exported_lstm_policy_driven_in_a_fresh_process_reproduces_the_policy(tmp_path):
    policy = lstm_policy()
    observations, actions, states = in_process_episode(policy)
    # The state matters: the same observations with the state dropped at every step (each
    # one an episode start) give other hidden states.
    stateless = [policy.recurrent_action(o[None], tf.constant([True]),
                                         policy.get_initial_state(1))[1][0].numpy()[0]
                 for o in observations]
    assert not np.allclose(stateless[1:], states[1:], atol=1e-4)
    path = export_policy(policy, str(tmp_path / "policy"))
    np.save(tmp_path / "obs.npy", observations)
    done = subprocess.run([sys.executable, "-c", FRESH_PROCESS, path, str(tmp_path / "obs.npy")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["signatures"] == ["action", "initial_state"]
    assert out["actions"] == actions.tolist()
    np.testing.assert_allclose(out["h"], states, rtol=1e-5, atol=1e-6)
    # load_policy gives evaluate() the same policy: the same returns as in process.
    _, loaded = load_policy(path)
    assert isinstance(loaded, RecurrentActionFn)
    ours = evaluate(action_fn(policy), lambda: envs.make_env("CartPole-v1"), 5, seed=100)
    theirs = evaluate(loaded, lambda: envs.make_env("CartPole-v1"), 5, seed=100)
    np.testing.assert_array_equal(ours.returns, theirs.returns)


def test_feedforward_export_keeps_its_one_signature(tmp_path):
    policy = lstm_policy(lstm_units=None)
    assert not policy.recurrent
    path = export_policy(policy, str(tmp_path / "policy"))
    loaded, fn = load_policy(path)
    assert sorted(loaded.signatures) == ["action"]
    obs = np.random.default_rng(0).normal(size=(4, 4)).astype(np.float32)
    np.testing.assert_array_equal(fn(obs), policy.action(obs).numpy())


class CountingPolicy:
    """A recurrent action function whose state is each stream's step count in its episode:
    it checks that evaluation resets a stream's state exactly at its episode's start."""

    def __init__(self):
        self.firsts = 0

    def initial_state(self, n):
        return (np.full(n, -1.0, np.float32),)  # never a count: must be reset before use

    def step(self, observations, first, state):
        (count,) = state
        assert len(count) == len(observations) == len(first)
        self.firsts += int(np.sum(first))
        count = np.where(first, 0.0, count + 1.0).astype(np.float32)
        assert (count >= 0).all()
        return np.zeros(len(count), np.int64), (count,)


def test_evaluation_carries_the_state_through_each_episode_and_resets_it_at_the_start():
    counting = CountingPolicy()
    fn = RecurrentActionFn(counting.initial_state, counting.step)
    calls = []

    def step(observations, first, state):
        actions, state = fn.step(observations, first, state)
        calls.append(state[0].copy())
        return actions, state

    result = evaluate(RecurrentActionFn(fn.initial_state, step),
                      lambda: envs.make_env("CartPole-v1"), 4, seed=7)
    assert counting.firsts == 4  # one episode start per episode
    # Always pushing left ends each episode within a few dozen steps. CartPole pays +1 per
    # step: one call per step of each episode, and the longest episode's last count is its
    # length - 1 (the state went on through it without a reset).
    assert sum(len(counts) for counts in calls) == result.returns.sum()
    assert max(counts.max() for counts in calls) == result.returns.max() - 1


def test_vector_evaluation_and_epsilon_greedy_take_a_recurrent_policy():
    counting = CountingPolicy()
    fn = epsilon_greedy(RecurrentActionFn(counting.initial_state, counting.step), 2, 0.5,
                        seed=0)
    vector_env = envs.make_vector_env(3, lambda: envs.make_env("CartPole-v1"))
    result = evaluate_vector(fn, vector_env, seed=11)
    assert len(result.returns) == 3 and (result.returns >= 8).all()
    assert counting.firsts >= 3  # the starts, and autoreset episodes restart too
