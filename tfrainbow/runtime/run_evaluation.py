"""A run's evaluations: periodic ones on a snapshot of the weights in the background, the
confirmation of a result that reaches the target on fresh episodes, the final one, and
how they are logged and reported."""
from typing import Callable, Optional

import tensorflow as tf

from tfrainbow import envs
from tfrainbow.errors import ConfigError
from tfrainbow.policies.recurrent import action_fn
from tfrainbow.runtime.evaluator import SnapshotEvaluator, epsilon_greedy, evaluate

# Evaluation episode i is seeded seed + EVAL_SEED_OFFSET + i: above every training seed
# (actors seed their envs from seed + env steps and seed + 1,000 x actor id). The k-th
# confirmation of a target plays CONFIRM_SEED_STRIDE x k seeds further: fresh episodes.
EVAL_SEED_OFFSET, CONFIRM_SEED_STRIDE = 1_000_000_000, 1_000_000


class RunEvaluation:
    """Evaluates `agent` (or the snapshot, an agent built alike) with the builder's policy
    on `eval_episodes` greedy episodes. A result at or above `target_return` counts only
    once the same snapshot averages at least that over `confirm_episodes` fresh episodes
    too (0: no confirmation), since the best of many short evaluations selects luck. With
    `epsilon` > 0 each step's action is uniform at random with that probability (a
    protocol's epsilon_eval: Dopamine's 0.001, noisy policies included)."""

    def __init__(self, builder, agent, snapshot, eval_episodes: int, confirm_episodes: int,
                 target_return: Optional[float], seed: int, summaries, log: Callable,
                 label: Callable[[int], str], epsilon: float = 0.0, num_actions: int = 0):
        self.builder, self.agent, self.snapshot = builder, agent, snapshot
        self.eval_episodes, self.confirm_episodes = int(eval_episodes), int(confirm_episodes)
        self.target_return, self.seed = target_return, seed
        self.summaries, self._log, self._label = summaries, log, label
        self.last_eval: Optional[float] = None  # the last mean, for progress lines
        # 'greedy' or 'sampled': what the evaluations play (IMPALA's sample by default).
        self.kind = getattr(builder.make_policy(agent), "kind", "greedy") if agent else "greedy"
        if not 0.0 <= epsilon < 1.0:
            raise ConfigError(f"The evaluation epsilon must be in [0, 1), got {epsilon}: bind "
                              "eval_epsilon to a probability (0: the policy alone).")
        self.epsilon, self.num_actions = float(epsilon), int(num_actions)
        if self.epsilon:
            self.kind += f", epsilon {self.epsilon:g}"
        self._confirmations = 0

    def snapshot_evaluator(self) -> Optional[SnapshotEvaluator]:
        """The background evaluator of the snapshot (None without one)."""
        if self.snapshot is None:
            return None
        return SnapshotEvaluator(self.agent.network.variables, self.snapshot.network.variables,
                                 self._action_fn(self.snapshot), envs.make_env,
                                 self.eval_episodes, self.seed + EVAL_SEED_OFFSET,
                                 envs.make_eval_vector_env, self._confirm)

    def evaluate(self, agent=None):
        """Greedy evaluation episodes of the agent's current weights, in the foreground."""
        return evaluate(self._action_fn(agent or self.agent), envs.make_env, self.eval_episodes,
                        seed=self.seed + EVAL_SEED_OFFSET,
                        make_vector_env=envs.make_eval_vector_env)

    def _action_fn(self, agent):
        # Seeded from the run's seed: the same weights play the same evaluation episodes.
        return epsilon_greedy(action_fn(self.builder.make_policy(agent)), self.num_actions,
                              self.epsilon, seed=self.seed + EVAL_SEED_OFFSET)

    def _confirm(self, result) -> Optional[dict]:
        if (not self.confirm_episodes or self.target_return is None
                or result.mean < self.target_return):
            return None
        self._confirmations += 1
        return dict(num_episodes=self.confirm_episodes,
                    seed=self.seed + EVAL_SEED_OFFSET + CONFIRM_SEED_STRIDE * self._confirmations)

    def reached(self, result) -> bool:
        """Whether `result` reached the target (and its confirmation held it)."""
        if self.target_return is None or result.mean < self.target_return:
            return False
        return not self.confirm_episodes or (result.confirmation is not None and
                                             result.confirmation.mean >= self.target_return)

    def log(self, count: int, result):
        """An evaluation result (and its confirmation) to TensorBoard and the log, labelled
        with the run's counter."""
        with self.summaries.as_default(step=count):
            tf.summary.scalar("eval/mean_return", result.mean)
            tf.summary.scalar("eval/std_return", result.std)
            if result.confirmation is not None:
                tf.summary.scalar("eval/confirmed_mean_return", result.confirmation.mean)
        self.last_eval = result.mean
        self._log(f"evaluation at {self._label(count)}: mean return {result.mean:.1f} +- "
                  f"{result.std:.1f} over {len(result.returns)} episodes ({self.kind} "
                  "policy)")
        confirmed = result.confirmation
        if confirmed is not None:
            held = confirmed.mean >= self.target_return
            self._log(f"confirmation at {self._label(count)}: mean return {confirmed.mean:.1f}"
                      f" +- {confirmed.std:.1f} over {len(confirmed.returns)} fresh episodes: "
                      + ("the target holds." if held else
                         f"below the target {self.target_return:g}, training goes on."))
        return result

    def results(self, result) -> dict:
        """The evaluation's part of results.json."""
        out = {"eval_mean_return": result.mean if result else None,
               "eval_std_return": result.std if result else None, "eval_policy": self.kind,
               "eval_epsilon": self.epsilon, "target_return": self.target_return}
        if self.confirm_episodes:
            confirmed = result.confirmation if result else None
            out.update(confirm_episodes=self.confirm_episodes,
                       confirmed_mean_return=confirmed.mean if confirmed else None,
                       confirmed_std_return=confirmed.std if confirmed else None)
        return out
