"""The greedy evaluator, and its background form over a snapshot of the weights, against
episodes played one by one by hand."""
import threading
import time

import gymnasium as gym
import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.runtime.evaluator import EvaluationStopped, SnapshotEvaluator, evaluate


def make_env():
    return gym.make("CartPole-v1")


def by_hand(action, num_episodes, seed):
    """Each episode alone, a constant action every step: the reference."""
    returns = []
    for i in range(num_episodes):
        env = make_env()
        env.reset(seed=seed + i)
        total, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(action)
            total += reward
            done = terminated or truncated
        returns.append(total)
    return np.array(returns)


@pytest.mark.parametrize("action", [0, 1])
def test_evaluate_matches_episodes_played_one_by_one(action):
    result = evaluate(lambda obs: np.full(len(obs), action), make_env, 4, seed=7)
    expected = by_hand(action, 4, seed=7)
    np.testing.assert_array_equal(result.returns, expected)
    assert result.mean == pytest.approx(expected.mean())
    assert result.std == pytest.approx(expected.std())


def test_evaluate_stops_when_asked():
    calls = []

    def action_fn(obs):
        calls.append(1)
        return np.zeros(len(obs), np.int64)

    with pytest.raises(EvaluationStopped):
        evaluate(action_fn, make_env, 2, should_stop=lambda: len(calls) >= 3)
    assert len(calls) == 3


def test_snapshot_evaluator_evaluates_the_weights_copied_at_start():
    weights = tf.Variable(1.0)  # trained on meanwhile
    snapshot = tf.Variable(0.0)

    def action_fn(obs):  # the policy reads the snapshot: action 1 while it is positive
        time.sleep(0.001)
        return np.full(len(obs), int(snapshot.numpy() > 0))

    evaluator = SnapshotEvaluator([weights], [snapshot], action_fn, make_env, 3, seed=5)
    assert evaluator.poll() is None and not evaluator.busy()
    evaluator.start(1000)
    weights.assign(-1.0)  # training goes on: the running evaluation does not see it
    with pytest.raises(RuntimeError, match="under way"):
        evaluator.start(2000)
    env_steps, result = evaluator.wait()
    assert env_steps == 1000 and snapshot.numpy() == 1.0
    np.testing.assert_array_equal(result.returns, by_hand(1, 3, seed=5))
    assert evaluator.poll() is None and not evaluator.busy()

    evaluator.start(2000)  # now the snapshot takes the new weights
    deadline = time.monotonic() + 30
    done = None
    while done is None and time.monotonic() < deadline:
        done = evaluator.poll()
        time.sleep(0.01)
    assert done[0] == 2000 and snapshot.numpy() == -1.0
    np.testing.assert_array_equal(done[1].returns, by_hand(0, 3, seed=5))
    evaluator.close()


def test_snapshot_evaluator_close_ends_an_evaluation_under_way():
    def slow(obs):
        time.sleep(0.1)
        return np.zeros(len(obs), np.int64)

    evaluator = SnapshotEvaluator([], [], slow, make_env, 2, seed=0)
    evaluator.start(0)
    start = time.monotonic()
    evaluator.close()  # ~10 steps x 100 ms if it ran to the end; one step here
    assert time.monotonic() - start < 0.6
    assert not evaluator.busy()


def test_next_result_waits_only_when_the_next_evaluation_is_due():
    release = threading.Event()

    def gated(obs):  # holds the evaluation until released
        release.wait(30)
        return np.zeros(len(obs), np.int64)

    evaluator = SnapshotEvaluator([], [], gated, make_env, 2, seed=0)
    assert evaluator.next_result(due=True) is None  # none started: nothing to wait for
    evaluator.start(500)
    assert evaluator.next_result(due=False) is None  # under way, not due: training goes on
    assert evaluator.busy()
    release.set()
    env_steps, result = evaluator.next_result(due=True)  # due: waits for the one under way
    np.testing.assert_array_equal(result.returns, by_hand(0, 2, seed=0))
    assert env_steps == 500 and not evaluator.busy()
    assert evaluator.next_result(due=True) is None  # each result once
    evaluator.close()


def _lean_left_unless_falling_right(observations):
    return (np.asarray(observations)[:, 2] > 0.02).astype(np.int64)  # pole angle


def test_a_vector_env_counts_the_first_episode_of_each_env_as_single_envs_do():
    import gymnasium as gym

    from tfrainbow.runtime.evaluator import evaluate_vector

    def make_env():
        return gym.make("CartPole-v1")

    single = evaluate(_lean_left_unless_falling_right, make_env, 5, seed=300)
    vector = gym.vector.SyncVectorEnv([make_env] * 5,
                                      autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
    batched = evaluate_vector(_lean_left_unless_falling_right, vector, seed=300)
    np.testing.assert_array_equal(batched.returns, single.returns)  # env i: seed 300 + i
    assert len(set(single.returns)) > 1  # distinct episodes, not one repeated


def test_atari_evaluation_on_the_vector_env_keeps_the_protocol():
    import gin

    from tfrainbow import envs
    from tfrainbow.envs import atari  # noqa: F401  (registers the Atari options)

    gin.clear_config()
    gin.parse_config_files_and_bindings([], [
        "make_env.env_id = 'ALE/Breakout-v5'", "make_atari_env.noop_max = 0",
        "make_atari_env.max_episode_frames = 2000",
        "make_atari_vector_env.episodic_life = True",  # training-only: never in evaluation
        "make_atari_vector_env.clip_rewards = True"])
    try:
        def act(observations):  # deterministic, and different along an episode
            return (np.asarray(observations).reshape(len(observations), -1).sum(-1) % 4)

        single = evaluate(act, envs.make_env, 2, seed=11)
        vector = evaluate(act, envs.make_env, 2, seed=11, make_vector_env=envs.make_eval_vector_env)
        np.testing.assert_array_equal(vector.returns, single.returns)
        assert single.returns.max() > 0
    finally:
        gin.clear_config()


class _Result:
    def __init__(self, mean, confirmation=None):
        self.mean, self.confirmation = mean, confirmation


def test_run_evaluation_confirms_only_at_the_target_on_fresh_seeds():
    from tfrainbow.runtime.run_evaluation import (CONFIRM_SEED_STRIDE, EVAL_SEED_OFFSET,
                                                  RunEvaluation)

    evaluation = RunEvaluation(None, None, None, 10, 100, 475.0, 7, None, print, str)
    assert evaluation._confirm(_Result(474.9)) is None  # below the target: no confirmation
    first, second = evaluation._confirm(_Result(480.0)), evaluation._confirm(_Result(500.0))
    assert first == dict(num_episodes=100, seed=7 + EVAL_SEED_OFFSET + CONFIRM_SEED_STRIDE)
    assert second["seed"] == first["seed"] + CONFIRM_SEED_STRIDE  # never the same episodes
    assert first["seed"] >= EVAL_SEED_OFFSET + 10  # disjoint from the periodic evaluations'
    assert not evaluation.reached(_Result(480.0))  # unconfirmed
    assert not evaluation.reached(_Result(480.0, _Result(470.0)))  # confirmation fell short
    assert evaluation.reached(_Result(480.0, _Result(476.0)))
    plain = RunEvaluation(None, None, None, 10, 0, 475.0, 7, None, print, str)
    assert plain._confirm(_Result(480.0)) is None and plain.reached(_Result(480.0))


def test_snapshot_evaluator_runs_the_confirmation_on_the_same_snapshot():
    import gymnasium as gym

    calls = []

    def act(observations):
        calls.append(len(observations))
        return _lean_left_unless_falling_right(observations)

    variable = tf.Variable(1.0)
    snapshot = tf.Variable(0.0)
    evaluator = SnapshotEvaluator([variable], [snapshot], act, lambda: gym.make("CartPole-v1"),
                                  4, 50, confirm=lambda r: dict(num_episodes=6, seed=900))
    evaluator.start(123)
    steps, result = evaluator.wait()
    assert steps == 123 and len(result.returns) == 4 and len(result.confirmation.returns) == 6
    expected = evaluate(_lean_left_unless_falling_right, lambda: gym.make("CartPole-v1"), 6,
                        seed=900)
    np.testing.assert_array_equal(result.confirmation.returns, expected.returns)
    assert max(calls) == 6 and float(snapshot.numpy()) == 1.0
    evaluator.close()


def test_evaluation_epsilon_replaces_that_share_of_actions_uniformly():
    from tfrainbow.errors import ConfigError
    from tfrainbow.runtime.evaluator import epsilon_greedy
    from tfrainbow.runtime.run_evaluation import RunEvaluation

    act = epsilon_greedy(lambda observations: np.zeros(len(observations), np.int64), 4, 0.2,
                         seed=3)
    actions = np.concatenate([act(np.zeros((1000, 1))) for _ in range(40)])
    # A random action is one of the other 3 actions with probability 3/4: 0.2 x 3/4 = 0.15.
    assert 0.14 < np.mean(actions != 0) < 0.16
    assert set(np.unique(actions)) == {0, 1, 2, 3}
    evaluation = RunEvaluation(None, None, None, 10, 0, None, 7, None, print, str,
                               epsilon=0.001, num_actions=4)
    assert evaluation.kind == "greedy, epsilon 0.001"
    assert evaluation.results(None)["eval_epsilon"] == 0.001
    with pytest.raises(ConfigError, match="epsilon must be in"):
        RunEvaluation(None, None, None, 10, 0, None, 7, None, print, str, epsilon=1.5)
