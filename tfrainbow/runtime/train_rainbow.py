"""The single-process Rainbow run: Reverb server, actor thread and learner, resumable.

Layout under root_dir: checkpoints/ (tf.train.CheckpointManager), replay/ (Reverb
checkpoints), summaries/ (TensorBoard), policy/ (SavedModel), config.gin, results.json.

Deadlock-freedom: the actor runs in its own thread and the learner in the main thread, so a
rate-limited insert never stalls the learner that would unblock it, nor the reverse. Every
blocking Reverb call polls with a timeout and gives up once the run is stopping.
"""
import os
import signal
import threading
import time
from typing import Optional

import gin
import numpy as np
import reverb
import tensorflow as tf

from tfrainbow import envs, specs
from tfrainbow.agents.rainbow import NON_FINITE_LOSS
from tfrainbow.errors import NonFiniteLossError
from tfrainbow.policies.saver import export_policy
from tfrainbow.runtime import builders
from tfrainbow.runtime.actor import Actor
from tfrainbow.runtime.evaluator import SnapshotEvaluator, evaluate
from tfrainbow.runtime.progress import Progress
from tfrainbow.runtime.run_utils import (RunState, connect, install_stop_signals,
                                         restore_latest, steady_rate, writable_root_dir,
                                         write_results)


def training_rates(first_update, last_update) -> dict:
    """Updates/s and env steps/s from the first update to the last (time, train step, env
    steps): the steady state, without the replay's warm-up, tracing, the final evaluation or
    the export (None before two updates)."""
    return {"training_updates_per_s": steady_rate(first_update, last_update, 1),
            "training_env_steps_per_s": steady_rate(first_update, last_update, 2)}


@gin.configurable
class RainbowTrainer:
    """Builds (or resumes) a run under root_dir in __init__; `run()` trains and exports.

    Trains until `max_env_steps` env steps, or until a periodic evaluation's mean return
    reaches `target_return`; evaluates every `eval_interval` env steps on `eval_episodes`
    greedy episodes, on a snapshot of the weights in a background thread while training
    goes on (the final one, at max_env_steps, in the foreground); checkpoints every
    `checkpoint_interval` env steps and on exit; exports the greedy policy to
    root_dir/policy (a run stopped on its target: the snapshot that reached it).
    """

    def __init__(self, root_dir: str, reverb_address: Optional[str] = None, num_envs: int = 1,
                 max_env_steps: int = 100_000, eval_interval: int = 10_000,
                 eval_episodes: int = 10, target_return: Optional[float] = None,
                 checkpoint_interval: int = 10_000, log_interval_s: float = 5.0,
                 seed: int = 0, reverb_timeout_s: int = 10,
                 stop_event: Optional[threading.Event] = None):
        self.root_dir = writable_root_dir(root_dir)
        self.max_env_steps, self.target_return = int(max_env_steps), target_return
        self.eval_interval, self.eval_episodes = int(eval_interval), int(eval_episodes)
        self.checkpoint_interval, self.seed = int(checkpoint_interval), seed
        tf.random.set_seed(seed)
        env_specs = specs.specs_from_env(envs.make_env())
        self.agent = agent = builders.build_rainbow_agent(env_specs)
        # Periodic evaluations run on this copy of the weights while training goes on.
        self._snapshot = builders.build_rainbow_agent(env_specs)
        replay = builders.ReplayConfig()

        # Restore before writing anything, so a mismatching config cannot damage the run.
        self.state = RunState()
        max_priority = builders.new_max_priority()
        self.checkpoint = tf.train.Checkpoint(agent=agent, max_priority=max_priority,
                                              state=self.state)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, os.path.join(self.root_dir, "checkpoints"), max_to_keep=3)
        restore_latest(self.checkpoint, self.manager, self.root_dir)
        with open(os.path.join(self.root_dir, "config.gin"), "w") as f:
            f.write(gin.config_str())

        self.server = None
        if reverb_address is None:
            checkpointer = reverb.checkpointers.DefaultCheckpointer(
                os.path.join(self.root_dir, "replay"))
            self.server = reverb.Server([replay.table(env_specs.observation_spec)], port=None,
                                        checkpointer=checkpointer)
            reverb_address = f"localhost:{self.server.port}"
        self.client = connect(reverb_address, reverb_timeout_s)
        self.learner = replay.learner(agent, reverb_address, max_priority=max_priority)

        self.stop = stop_event or threading.Event()
        self.writers = [replay.writer(self.client, agent, lambda: float(max_priority.numpy()),
                                      self.stop.is_set) for _ in range(num_envs)]
        self.actor = Actor(envs.make_vector_env(num_envs), agent.collect_policy, self.writers,
                           seed=seed, env_steps=int(self.state.env_steps),
                           episodes=int(self.state.episodes))
        self.summaries = tf.summary.create_file_writer(os.path.join(self.root_dir, "summaries"))
        self.progress = Progress(max_env_steps, start_steps=self.actor.env_steps,
                                 start_updates=int(agent.train_step), interval_s=log_interval_s)
        if self.actor.env_steps or self.replay_size():
            self.progress.say(f"Resuming {self.root_dir}: {self.actor.env_steps:,} env steps, "
                              f"{int(agent.train_step):,} updates, {self.replay_size():,} "
                              "transitions in replay.")

    def replay_size(self) -> int:
        """Transitions in the replay table now."""
        return self.client.server_info()[builders.REPLAY_TABLE].current_size

    def save(self):
        """A TF checkpoint (weights, optimizer, counters) and a Reverb checkpoint (replay)."""
        self.state.env_steps.assign(self.actor.env_steps)
        self.state.episodes.assign(self.actor.episodes)
        self.manager.save(checkpoint_number=self.actor.env_steps)
        self.client.checkpoint()

    def evaluate(self):
        """Greedy evaluation episodes of the current weights, logged."""
        return self._log_eval(self.actor.env_steps,
                              evaluate(self.agent.policy.action, envs.make_env,
                                       self.eval_episodes, seed=self.seed + 10_000))

    def _log_eval(self, env_steps: int, result):
        """An evaluation result to TensorBoard and the progress line."""
        with self.summaries.as_default(step=env_steps):
            tf.summary.scalar("eval/mean_return", result.mean)
            tf.summary.scalar("eval/std_return", result.std)
        self.progress.eval(env_steps, result)
        return result

    def _log(self, loss_info):
        actor = self.actor
        line = self.progress.update(actor.env_steps, actor.episodes, int(self.agent.train_step),
                                    actor.episode_returns, self.replay_size())
        with self.summaries.as_default(step=actor.env_steps):
            for name, value in line.items():
                tf.summary.scalar(name, value)
            if loss_info is not None:
                tf.summary.scalar("train/loss", loss_info.loss)
                tf.summary.scalar("train/q_mean", loss_info.extra.q_mean)
            if actor.episode_lengths:
                tf.summary.scalar("train/episode_length", np.mean(actor.episode_lengths))

    def run(self) -> dict:
        """Trains, checkpoints, evaluates, exports; returns the results (also results.json)."""
        previous_handlers = install_stop_signals(self.stop)
        actor, stop = self.actor, self.stop
        next_eval = (actor.env_steps // self.eval_interval + 1) * self.eval_interval
        next_checkpoint = ((actor.env_steps // self.checkpoint_interval + 1)
                           * self.checkpoint_interval)
        result, reached, loss_info, diverged = None, False, None, False
        first_update = last_update = None  # (time, train step, env steps)
        evaluator = SnapshotEvaluator.of_agent(self.agent, self._snapshot, envs.make_env,
                                               self.eval_episodes, self.seed + 10_000)
        actor.start(stop.is_set, self.max_env_steps)
        try:
            while not stop.is_set():
                if actor.error is not None:
                    raise actor.error
                try:
                    info = self.learner.step()
                except tf.errors.InvalidArgumentError as error:
                    if NON_FINITE_LOSS not in str(error):
                        raise
                    diverged = True
                    raise NonFiniteLossError(
                        f"The loss became NaN or infinite at update "
                        f"{int(self.agent.train_step) + 1:,}: training stopped and the last "
                        f"good checkpoint ({self.manager.latest_checkpoint or 'none yet'}) "
                        "was kept; lower the learning rate or check the rewards.") from None
                loss_info = info if info is not None else loss_info
                if info is not None:
                    last_update = (time.monotonic(), int(self.agent.train_step),
                                   actor.env_steps)
                    first_update = first_update or last_update
                if info is None and not actor.is_alive():
                    break  # the actor reached max_env_steps and the replay ratio is spent
                if self.progress.due():
                    self._log(loss_info)
                done = evaluator.next_result(due=actor.env_steps >= next_eval)
                if done is not None:
                    result = self._log_eval(*done)
                    if self.target_return is not None and result.mean >= self.target_return:
                        reached = True  # the snapshot stays as evaluated: it is exported
                        break
                if actor.env_steps >= next_eval:
                    next_eval += self.eval_interval
                    evaluator.start(actor.env_steps)  # a snapshot, evaluated meanwhile
                if actor.env_steps >= next_checkpoint:
                    next_checkpoint += self.checkpoint_interval
                    self.save()
        finally:
            evaluator.close()  # ends an evaluation under way
            stop.set()
            actor.join(timeout=30)
            if not diverged:  # never overwrite the last good checkpoint with NaN weights
                self.save()
            for signum, handler in previous_handlers.items():
                signal.signal(signum, handler)
        if actor.error is not None:
            raise actor.error
        interrupted = not reached and actor.env_steps < self.max_env_steps
        if not reached and not interrupted:
            result = self.evaluate()
        policy_dir = export_policy((self._snapshot if reached else self.agent).policy,
                                   os.path.join(self.root_dir, "policy"))
        results = {"env_steps": actor.env_steps, "updates": int(self.agent.train_step),
                   "episodes": actor.episodes, "replay_size": self.replay_size(),
                   "wall_clock_s": round(self.progress.elapsed(), 1),
                   **training_rates(first_update, last_update),
                   "interrupted": interrupted, "policy_dir": policy_dir,
                   "eval_mean_return": result.mean if result else None,
                   "eval_std_return": result.std if result else None,
                   "target_return": self.target_return, "target_reached": reached}
        write_results(self.root_dir, results)
        self.close()
        return results

    def close(self):
        """Flushes summaries, closes writers, stops the embedded Reverb server."""
        self.summaries.flush()
        for writer in self.writers:
            writer.close()
        if self.server is not None:
            self.server.stop()
            self.server = None
