"""The life cycle of every run, written once (../shared/DESIGN.md, "The run loop"):

    restore (or start) -> write config.gin -> loop { step; triggers: publish, checkpoint,
    evaluate a snapshot in the background, log } -> stop (max steps, target return, signal,
    error, divergence) -> save -> final evaluation -> export -> results.json

A run (RainbowTrainer, ImpalaTrainer, RemoteLearner) subclasses RunLoop and supplies only
what differs: its step, its counter (env steps or updates), its progress line, when it is
done, and its own results. A non-finite loss or weight stops every run the same way: one
line, exit 1, the last good checkpoint kept (no checkpoint is ever written from non-finite
weights).
"""
import os
import shutil
import signal
import threading
import time
from typing import Optional

import gin
import tensorflow as tf

from tfrainbow import envs, specs
from tfrainbow.agents.base import NON_FINITE_LOSS
from tfrainbow.agents.optimizers import check_schedule_spans
from tfrainbow.builders import write_run_file
from tfrainbow.errors import DiskFullError, NonFiniteLossError, is_disk_full
from tfrainbow.policies.saver import export_policy
from tfrainbow.replay.weights import NonFiniteWeights, all_finite
from tfrainbow.replay.writers import WriterStopped
from tfrainbow.runtime.episode_log import EpisodeLog
from tfrainbow.runtime.run_evaluation import RunEvaluation
from tfrainbow.runtime.run_utils import (optimizer_settings, restore_latest,
                                         restore_optimizer_settings, writable_root_dir,
                                         write_results)
from tfrainbow.runtime.triggers import IntervalTrigger, TimeTrigger
from tfrainbow.system.signals import install_stop_signals
from tfrainbow.system.run_lock import RunDirLock


class RunLoop:
    """Builds the agent (and the snapshot its evaluations run on) with `builder`, restores
    the latest checkpoint of root_dir before writing anything, then writes config.gin.

    Args:
      builder: the agent's builder (tfrainbow.builders).
      eval_interval, checkpoint_interval: in the run's counter (env steps or updates);
        None or 0: never (the final checkpoint is still written).
      eval_episodes: greedy episodes per evaluation (0: none, not even the final one).
      target_return: stop once an evaluation's mean return reaches it (None: never) and,
        with confirm_episodes, the same snapshot's mean over that many fresh episodes
        (seeds no evaluation used) reaches it too; else training goes on.
      state: extra checkpointed objects of the run (e.g. its env step counter).
      eval_epsilon: probability of a uniform random action at each evaluation step (the
        Atari protocols' 0.001; 0: the policy alone).
    """

    unit = "env steps"  # what the counter counts, for log lines
    publishes = False  # whether actors pull published weights (else they share the agent)

    def __init__(self, builder, root_dir: str, eval_interval: Optional[int],
                 eval_episodes: int, target_return: Optional[float],
                 checkpoint_interval: Optional[int], log_interval_s: float, seed: int,
                 stop_event: Optional[threading.Event] = None, log=print,
                 state: Optional[dict] = None, confirm_episodes: int = 0,
                 eval_epsilon: float = 0.0):
        self.builder, self.root_dir = builder, writable_root_dir(root_dir)
        self._lock = RunDirLock(self.root_dir)  # one process per run directory
        try:
            self._open(builder, eval_interval, eval_episodes, target_return,
                       checkpoint_interval, log_interval_s, seed, stop_event, log, state,
                       confirm_episodes, eval_epsilon)
        except BaseException:
            self._lock.release()
            raise

    def _open(self, builder, eval_interval, eval_episodes, target_return, checkpoint_interval,
              log_interval_s, seed, stop_event, log, state, confirm_episodes, eval_epsilon):
        self.eval_interval, self.eval_episodes = eval_interval, int(eval_episodes)
        self.target_return, self.checkpoint_interval = target_return, checkpoint_interval
        self.log_interval_s, self.seed, self.log = log_interval_s, seed, log
        self.stop = stop_event or threading.Event()
        tf.random.set_seed(seed)
        self.env_specs = specs.specs_from_env(envs.make_env())
        self.agent = builder.make_agent(self.env_specs)
        # Before anything is written: a schedule that ends before the budget is a mistake.
        check_schedule_spans(self.agent.optimizer, *self.budget_updates())
        self.builder_state = builder.make_state()  # e.g. Rainbow's max priority
        # Periodic evaluations run on this copy of the weights while training goes on.
        self._snapshot = (builder.make_agent(self.env_specs)
                          if eval_interval and self.eval_episodes else None)
        objects = dict(agent=self.agent, **self.builder_state, **(state or {}))
        self.checkpoint = tf.train.Checkpoint(**objects)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, os.path.join(self.root_dir, "checkpoints"), max_to_keep=3)
        # Restore before writing anything, so a mismatching config cannot damage the run.
        configured = optimizer_settings(self.agent)
        restore_latest(self.checkpoint, self.manager, self.root_dir)
        self.resumed = self.manager.latest_checkpoint is not None
        # The config rules hyper-parameters, the checkpoint state: a resumed run uses the
        # learning rate it is configured with now, not the one its checkpoint kept.
        self.changed_settings = restore_optimizer_settings(self.agent, configured)
        with open(os.path.join(self.root_dir, "config.gin"), "w") as f:
            f.write(gin.config_str())
        write_run_file(self.root_dir, builder)
        self.summaries = tf.summary.create_file_writer(os.path.join(self.root_dir, "summaries"))
        self.evaluation = RunEvaluation(builder, self.agent, self._snapshot, self.eval_episodes,
                                        confirm_episodes, target_return, seed, self.summaries,
                                        log, self.label, epsilon=eval_epsilon,
                                        num_actions=specs.num_actions(self.env_specs.action_spec))
        self.episode_log = EpisodeLog(self.root_dir)  # trainers record their actors' episodes
        self._checked = list(self.agent.network.variables) + [
            v for v in self.builder_state.values() if v.dtype.is_floating]
        self.final_save_refused = False  # diverged or the disk filled: keep the last good save

    # What a run supplies.
    def count(self) -> int:
        """The counter intervals and labels are in (env steps or updates)."""
        raise NotImplementedError

    def train_step(self):
        """One learner call: its LossInfo, or None when no data came in time."""
        raise NotImplementedError

    def done(self) -> bool:
        """Whether the run reached its end (max env steps or updates)."""
        raise NotImplementedError

    def budget_updates(self) -> tuple:
        """(the learner updates the run is configured to make, or None where unknown; how
        that follows from the config), for the learning-rate schedule check."""
        return None, ""

    def completed(self) -> bool:
        """Whether the run went the whole way (not interrupted): by default, done()."""
        return self.done()

    def exhausted(self) -> bool:
        """Whether no more data will come (checked after a call that found none)."""
        return False

    def check(self):
        """Raises if a part the loop depends on (an actor) failed."""

    def check_after_stop(self):
        """Raises what a part that has stopped failed with (an actor thread's error)."""

    def updates(self) -> int:
        """Learner updates so far (publications are counted in updates)."""
        return int(self.agent.train_step)

    def start_acting(self):
        """Starts the run's actors (before the loop)."""

    def stop_acting(self):
        """Stops the run's actors (the loop has ended, for whatever reason)."""

    def before_save(self):
        """Copies counters into checkpointed variables."""

    def save_before_weights(self, number: int):
        """What must be saved before weights checkpoint `number` (Rainbow: the replay's)."""

    def after_save(self, number: int):
        """Work after weights checkpoint `number` was written."""

    def publish(self, updates: int):
        """Ships the weights to actors (runs whose actors pull them)."""

    def progress_line(self, info):
        """Logs one progress line (every log_interval_s)."""

    def run_results(self) -> dict:
        """The run's own figures for results.json."""
        return {}

    def close(self):
        """Releases what the run holds (servers, writers, its directory)."""
        self.summaries.flush()
        self._lock.release()

    # The life cycle.
    def label(self, count: int) -> str:
        """The counter as log lines say it ("12,000 env steps", "update 300")."""
        return f"{count:,} {self.unit}"

    def save(self):
        """A checkpoint numbered by the counter, only from finite weights."""
        self.before_save()
        if not all_finite(self._checked):
            self._diverge("the weights became NaN or infinite")
        number = self.count()
        try:
            self.episode_log.flush()
            self.save_before_weights(number)
            self.manager.save(checkpoint_number=number)
        except Exception as error:  # noqa: BLE001  (Reverb reports ENOSPC as IndexError)
            if not is_disk_full(error):
                raise
            self.final_save_refused = True  # no second attempt in the final save
            self.discard_partial_save()
            raise DiskFullError(
                f"No space left on the disk of {self.root_dir} while saving checkpoint "
                f"{number:,}: the partial save was removed and the last complete checkpoint "
                f"({self.manager.latest_checkpoint or 'none yet'}) kept; free some space and "
                "run the same command again to resume from it.") from None
        self.after_save(number)

    def discard_partial_save(self):
        """Removes what a save cut short left: TensorFlow's temporary checkpoint files."""
        directory = os.path.join(self.root_dir, "checkpoints")
        for name in os.listdir(directory) if os.path.isdir(directory) else []:
            if "_temp" in name:
                path = os.path.join(directory, name)
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.remove(path)

    def _diverge(self, what: str):
        self.final_save_refused = True
        raise NonFiniteLossError(
            f"{what[0].upper()}{what[1:]} at update {int(self.agent.train_step):,}: training stopped "
            f"and the last good checkpoint ({self.manager.latest_checkpoint or 'none yet'}) "
            "was kept; lower the learning rate or check the rewards.")

    def _guarded_step(self):
        try:
            return self.train_step()
        except tf.errors.InvalidArgumentError as error:
            if NON_FINITE_LOSS not in str(error):
                raise
        self._diverge("the loss became NaN or infinite")

    def _guarded_publish(self, updates: int):
        try:
            self.publish(updates)
        except WriterStopped:
            pass  # a stop came while the server held the weights back (or was gone)
        except NonFiniteWeights:
            self._diverge("the weights became NaN or infinite")

    def run(self) -> dict:
        """Trains until done, a target return, a signal or an error; saves; evaluates;
        exports; returns the results (also root_dir/results.json)."""
        previous_handlers = install_stop_signals(self.stop)
        began, start = time.monotonic(), self.count()
        evaluator = self.evaluation.snapshot_evaluator()
        evaluation = IntervalTrigger(self.eval_interval if evaluator else None,
                                     lambda count: evaluator.start(count), start)
        publication = IntervalTrigger(self.builder.publish_period if self.publishes else None,
                                      self._guarded_publish, self.updates())
        checkpoints = IntervalTrigger(self.checkpoint_interval, lambda count: self.save(), start)
        info, result, reached = None, None, False
        logger = TimeTrigger(self.log_interval_s, lambda count: self.progress_line(info))
        try:
            self.start_acting()
            if self.publishes:
                self._guarded_publish(self.updates())  # actors wait for the first weights
            while not self.stop.is_set() and not self.done():
                self.check()
                step_info = self._guarded_step()
                info = step_info if step_info is not None else info
                if step_info is None and self.exhausted():
                    break
                if self.publishes:
                    publication(self.updates())
                count = self.count()
                checkpoints(count)
                if evaluator is not None:
                    finished = evaluator.next_result(due=evaluation.due(count))
                    if finished is not None:
                        result = self.evaluation.log(*finished)  # at its snapshot's count
                        if self.evaluation.reached(result):
                            reached = True  # the snapshot stays as evaluated: it is exported
                            break
                    evaluation(count)  # a snapshot of the weights, evaluated meanwhile
                logger(count)
        finally:
            if evaluator is not None:
                evaluator.close()  # ends an evaluation under way
            self.stop_acting()
            try:
                if not self.final_save_refused:  # never overwrite the last good checkpoint
                    self.save()
            finally:
                for signum, handler in previous_handlers.items():
                    signal.signal(signum, handler)
        self.check_after_stop()
        interrupted = not reached and not self.completed()
        if not reached and not interrupted and self.eval_episodes:
            result = self.evaluation.log(self.count(), self.evaluation.evaluate())
        exported = self.builder.make_policy(self._snapshot if reached else self.agent)
        results = {**self.run_results(), "wall_clock_s": round(time.monotonic() - began, 1),
                   "interrupted": interrupted,
                   "policy_dir": export_policy(exported, os.path.join(self.root_dir, "policy")),
                   **self.evaluation.results(result), "target_reached": reached}
        write_results(self.root_dir, results)
        self.close()
        return results
