"""Evaluator: the greedy policy for N whole episodes, run side by side with batched inference
(single envs, or one vector env: Atari's C++ AtariVectorEnv under the same protocol);
SnapshotEvaluator runs them on a copy of the weights in a background thread."""
import concurrent.futures
import threading
from typing import Callable, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from tfrainbow.policies.recurrent import RecurrentActionFn
from tfrainbow.policies.recurrent import action_fn as policy_action_fn


class EvalResult(NamedTuple):
    mean: float
    std: float
    returns: np.ndarray  # [num_episodes] undiscounted episode returns
    # The same weights on more, fresh episodes, where the result was confirmed (a target).
    confirmation: Optional["EvalResult"] = None


class EvaluationStopped(Exception):
    """`evaluate` was asked to stop before its episodes ended."""


class _Streams:
    """The action calls of n side-by-side episodes: a feedforward action_fn as it is; a
    RecurrentActionFn with each stream's core state carried from step to step and started
    afresh at its episode's first step."""

    def __init__(self, action_fn, n: int):
        self.action_fn, self.recurrent = action_fn, isinstance(action_fn, RecurrentActionFn)
        if self.recurrent:
            self.state = [np.array(s) for s in action_fn.initial_state(n)]  # [n, ...] each
            self.first = np.ones(n, bool)

    def __call__(self, observations, index):
        """Actions [k] for the streams `index` (k of them) on their observations [k, ...]."""
        if not self.recurrent:
            return np.asarray(self.action_fn(observations))
        actions, state = self.action_fn.step(observations, self.first[index],
                                             tuple(s[index] for s in self.state))
        for whole, part in zip(self.state, state):
            whole[index] = part
        self.first[index] = False
        return np.asarray(actions)

    def restart(self, ended):
        """The streams `ended` (a mask [n]) start new episodes at their next step."""
        if self.recurrent:
            self.first |= ended


def evaluate(action_fn: Callable, make_env: Callable, num_episodes: int = 10,
             seed: int = 10_000, should_stop: Callable[[], bool] = lambda: False,
             make_vector_env: Optional[Callable] = None) -> EvalResult:
    """Runs `num_episodes` episodes (env i seeded `seed + i`), one batched action call per step.

    action_fn maps a batch of observations [k, ...] to actions [k] (a policy's `action`, or a
    SavedModel's), or is a RecurrentActionFn (a policy with a core: its state is carried
    across each episode; tfrainbow.policies.recurrent.action_fn); make_env builds one gymnasium env. `make_vector_env(n)`, when given and
    not None for this env (Atari: tfrainbow.envs.make_eval_vector_env), steps the n envs
    side by side in one vector env instead (evaluate_vector). Raises EvaluationStopped once
    should_stop() is true (checked every step).
    """
    vector_env = make_vector_env(num_episodes) if make_vector_env is not None else None
    if vector_env is not None:
        return evaluate_vector(action_fn, vector_env, seed, should_stop)
    envs = [make_env() for _ in range(num_episodes)]
    obs = [env.reset(seed=seed + i)[0] for i, env in enumerate(envs)]
    returns = np.zeros(num_episodes)
    alive = list(range(num_episodes))
    act = _Streams(action_fn, num_episodes)
    try:
        while alive:
            if should_stop():
                raise EvaluationStopped()
            actions = act(np.stack([obs[i] for i in alive]), np.array(alive))
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


def evaluate_vector(action_fn: Callable, vector_env, seed: int = 10_000,
                    should_stop: Callable[[], bool] = lambda: False) -> EvalResult:
    """The first episode of each of the vector env's envs (reset with `seed`), one batched
    action call per step for all of them. An env whose episode ended is autoreset by the
    vector env and goes on stepping with the batch; its later rewards are not counted."""
    num_episodes = vector_env.num_envs
    obs, _ = vector_env.reset(seed=seed)
    returns = np.zeros(num_episodes)
    alive = np.ones(num_episodes, bool)
    act, every = _Streams(action_fn, num_episodes), np.arange(num_episodes)
    try:
        while alive.any():
            if should_stop():
                raise EvaluationStopped()
            actions = act(obs, every).astype(np.int64)  # [num_envs]
            obs, rewards, terminated, truncated, _ = vector_env.step(actions)
            returns += np.where(alive, rewards, 0.0)
            ended = np.asarray(terminated) | np.asarray(truncated)
            act.restart(ended)
            alive &= ~ended
    finally:
        vector_env.close()
    return EvalResult(float(returns.mean()), float(returns.std()), returns)


class SnapshotEvaluator:
    """Evaluates a snapshot of the trained weights on a background thread, so that training
    goes on meanwhile (an in-loop evaluation of 10 CartPole episodes paused an IMPALA learner
    ~0.5 s every ~2 s once the policy was good, and its actors blocked on the full queue).

    The snapshot's network (behind `action_fn`) stays as it was evaluated until the next
    start: a run stopped on its target exports that one."""

    def __init__(self, variables: Sequence, snapshot_variables: Sequence, action_fn: Callable,
                 make_env: Callable, num_episodes: int, seed: int,
                 make_vector_env: Optional[Callable] = None,
                 confirm: Optional[Callable[[EvalResult], Optional[dict]]] = None):
        """`confirm(result)`: None, or evaluate()'s keyword arguments (num_episodes, seed)
        for a second evaluation of the same snapshot, run right after the first (a result
        that reached a target, on fresh episodes); it becomes result.confirmation."""
        self._pairs = list(zip(variables, snapshot_variables))
        self._stop = threading.Event()

        def job():
            result = evaluate(action_fn, make_env, num_episodes, seed, self._stop.is_set,
                              make_vector_env)
            again = confirm(result) if confirm is not None else None
            if again is None:
                return result
            return result._replace(confirmation=evaluate(
                action_fn, make_env, should_stop=self._stop.is_set,
                make_vector_env=make_vector_env, **again))

        self._evaluate = job
        self._executor = concurrent.futures.ThreadPoolExecutor(1, "evaluator")
        self._future, self._env_steps = None, None

    @classmethod
    def of_agent(cls, agent, snapshot, make_env: Callable, num_episodes: int, seed: int):
        """Evaluates copies of `agent`'s network weights taken into `snapshot` (an agent built
        alike) with the snapshot's policy."""
        return cls(agent.network.variables, snapshot.network.variables,
                   policy_action_fn(snapshot.policy), make_env, num_episodes, seed)

    def busy(self) -> bool:
        """Whether an evaluation was started and its result not yet taken."""
        return self._future is not None

    def start(self, env_steps: int):
        """Copies `variables` into `snapshot_variables` and starts the episodes on them;
        `env_steps` labels the result."""
        if self.busy():
            raise RuntimeError("SnapshotEvaluator.start: an evaluation is under way.")
        for source, snapshot in self._pairs:
            snapshot.assign(source)
        self._future, self._env_steps = self._executor.submit(self._evaluate), int(env_steps)

    def poll(self) -> Optional[Tuple[int, EvalResult]]:
        """(env_steps, EvalResult) of a finished evaluation, once; None while none is."""
        if self._future is None or not self._future.done():
            return None
        return self.wait()

    def next_result(self, due: bool) -> Optional[Tuple[int, EvalResult]]:
        """For a training loop, each iteration: a finished evaluation's (env_steps,
        EvalResult), once, else None; when the next evaluation is `due` and one is still
        under way, waits for it (one at a time). Check the result (a target return, whose
        snapshot a run exports) before the next `start` replaces the snapshot."""
        done = self.poll()
        if done is None and due and self.busy():
            done = self.wait()
        return done

    def wait(self) -> Optional[Tuple[int, EvalResult]]:
        """Blocks until the evaluation under way ends: (env_steps, EvalResult); None if none
        was started."""
        if self._future is None:
            return None
        future, self._future = self._future, None
        return self._env_steps, future.result()

    def close(self):
        """Stops an evaluation under way (its result is dropped) and the thread."""
        self._stop.set()
        self._executor.shutdown(wait=True)
        self._future = None


def epsilon_greedy(action_fn: Callable, num_actions: int, epsilon: float,
                   seed: int = 0) -> Callable:
    """action_fn with probability epsilon of a uniform random action per observation (the
    Atari evaluation protocol's epsilon = 0.001 for policies without noisy layers)."""
    if epsilon <= 0.0:
        return action_fn
    rng = np.random.default_rng(seed)

    def explore(actions):
        actions = np.asarray(actions).copy()
        chosen = rng.random(len(actions)) < epsilon
        actions[chosen] = rng.integers(0, num_actions, int(chosen.sum()))
        return actions

    if isinstance(action_fn, RecurrentActionFn):
        def step(observations, first, state):
            actions, state = action_fn.step(observations, first, state)
            return explore(actions), state

        return action_fn._replace(step=step)
    return lambda observations: explore(action_fn(observations))
