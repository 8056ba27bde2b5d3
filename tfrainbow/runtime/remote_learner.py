"""The learner process of a split run: trains from the server's tables, publishes weights
to its variable table, checkpoints, and resumes from root_dir (binaries/learner.py)."""
import os
import threading
import time
from typing import Optional

import gin
import reverb
import tensorflow as tf

from tfrainbow import envs, specs
from tfrainbow.agents.rainbow import NON_FINITE_LOSS
from tfrainbow.errors import NonFiniteLossError
from tfrainbow.policies.compiled import LazyFlatCall
from tfrainbow.policies.saver import export_policy
from tfrainbow.replay import unrolls
from tfrainbow.runtime import builders
from tfrainbow.runtime.builders import REPLAY_TABLE, UNROLL_TABLE, VARIABLE_TABLE
from tfrainbow.runtime.evaluator import SnapshotEvaluator, evaluate
from tfrainbow.runtime.remote import ServerWatch, wait_for_server
from tfrainbow.runtime.run_utils import restore_latest, writable_root_dir, write_results

# What a dataset or a priority update raises while the server is away (it is retried).
SERVER_LOST = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError,
               tf.errors.CancelledError, tf.errors.AbortedError, tf.errors.InternalError)


@gin.configurable
class RemoteLearner:
    """Trains `agent_kind` ('rainbow' or 'impala') from the server at reverb_address.

    Args:
      max_updates: stop at this many updates (the counter survives restarts).
      publish_period: Rainbow: updates between weight publications (IMPALA uses
        UnrollConfig.publish_period).
      checkpoint_interval: updates between checkpoints (also written on exit).
      eval_interval: updates between greedy evaluations of eval_episodes, each on a snapshot
        of the weights in a background thread while training goes on (None: only at the
        end, in the foreground).
      connect_timeout_s: how long to retry reaching the server, at start and after a loss.
    """

    def __init__(self, root_dir: str, agent_kind: str, reverb_address: str,
                 max_updates: int = 1_000_000, publish_period: int = 100,
                 checkpoint_interval: int = 10_000, eval_interval: Optional[int] = None,
                 eval_episodes: int = 10, log_interval_s: float = 5.0, seed: int = 0,
                 connect_timeout_s: float = 600.0, log=print):
        self.root_dir = writable_root_dir(root_dir)
        self.agent_kind, self.address, self.log = agent_kind, reverb_address, log
        self.max_updates, self.checkpoint_interval = int(max_updates), int(checkpoint_interval)
        self.eval_interval, self.eval_episodes = eval_interval, int(eval_episodes)
        self.log_interval_s, self.seed = log_interval_s, seed
        self.connect_timeout_s = connect_timeout_s
        tf.random.set_seed(seed)
        env_specs = specs.specs_from_env(envs.make_env())
        objects = {}
        if agent_kind == "impala":
            self.agent = builders.build_impala_agent(env_specs)
            self.transport = builders.UnrollConfig()
            self.publish_period = self.transport.publish_period
            self.tables = [UNROLL_TABLE, VARIABLE_TABLE]
        else:
            self.agent = builders.build_rainbow_agent(env_specs)
            self.max_priority = objects["max_priority"] = builders.new_max_priority()
            self.publish_period = int(publish_period)
            self.tables = [REPLAY_TABLE, VARIABLE_TABLE]
        self.variables = builders.published_variables(self.agent, objects.get("max_priority"))
        self._snapshot = None  # the periodic evaluations' copy of the weights
        if eval_interval:
            self._snapshot = (builders.build_impala_agent if agent_kind == "impala"
                              else builders.build_rainbow_agent)(env_specs)
        # Restore before writing anything, so a mismatching config cannot damage the run.
        self.checkpoint = tf.train.Checkpoint(agent=self.agent, **objects)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, os.path.join(self.root_dir, "checkpoints"), max_to_keep=3)
        restore_latest(self.checkpoint, self.manager, self.root_dir)
        with open(os.path.join(self.root_dir, "config.gin"), "w") as f:
            f.write(gin.config_str())
        self.summaries = tf.summary.create_file_writer(os.path.join(self.root_dir, "summaries"))

    @property
    def updates(self) -> int:
        return int(self.agent.train_step)

    def _connect(self, stop):
        self.client = wait_for_server(self.address, self.connect_timeout_s, self.tables,
                                      stop.is_set, self.log)
        if self.agent_kind == "impala":
            self._dataset = self.transport.dataset(self.address)
            self._iterator = iter(self._dataset)
            # Called flat: no per-call binding of the iterator.
            self._impala_step = LazyFlatCall(tf.function(self._impala_train))
        else:
            self.learner = builders.ReplayConfig().learner(self.agent, self.address,
                                                           max_priority=self.max_priority)
        self.publisher = unrolls.WeightsPublisher(self.client, VARIABLE_TABLE)
        # Datasets and priority updates mostly wait out an outage; this says why.
        self.watch = ServerWatch(self.client, self.address,
                                 log=lambda text: self.log(f"learner: {text}")).start()

    def _impala_train(self, iterator):
        unroll, versions = next(iterator)
        lag = tf.cast(self.agent.train_step - versions, tf.float32)  # [T, B]
        info = self.agent.train(unroll)
        return info, tf.reduce_mean(lag)

    def _step(self):
        """One update; None when no data came within the dataset's timeout."""
        if self.agent_kind == "impala":
            try:
                info, lag = self._impala_step(self._iterator)
            except tf.errors.OutOfRangeError:
                self._iterator = iter(self._dataset)
                return None
            self._lag = float(lag)
            return info
        try:
            return self.learner.step()
        except tf.errors.InvalidArgumentError as error:
            if NON_FINITE_LOSS not in str(error):
                raise
            self._diverged = True
            raise NonFiniteLossError(
                f"The loss became NaN or infinite at update {self.updates + 1:,}: training "
                f"stopped and the last good checkpoint ({self.manager.latest_checkpoint}) "
                "was kept; lower the learning rate or check the rewards.") from None

    def _reconnect(self, stop, error):
        self.log(f"learner: lost the Reverb server at {self.address} ({type(error).__name__}); "
                 "waiting for it to come back.")
        wait_for_server(self.address, self.connect_timeout_s, self.tables, stop.is_set,
                        lambda text: None)
        if self.agent_kind == "impala":
            self._iterator = iter(self._dataset)
        else:
            self.learner.reset()
        self.log(f"learner: Reverb server at {self.address} is back; training resumes.")

    def save(self):
        """A checkpoint numbered by the update counter."""
        self.manager.save(checkpoint_number=self.updates)

    def _publish(self, stop):
        self.publisher.publish(self.updates, self.variables, stop.is_set)

    def _log_line(self, last, info):
        now, updates = time.monotonic(), self.updates
        rate = (updates - last[1]) / max(now - last[0], 1e-9)
        table = UNROLL_TABLE if self.agent_kind == "impala" else REPLAY_TABLE
        try:
            table_info = self.client.server_info(timeout=5)[table]
            counts = f", {table_info.rate_limiter_info.insert_stats.completed:,} items inserted"
            if self.agent_kind != "impala":
                counts += f", replay {table_info.current_size:,} items"
        except (reverb.errors.DeadlineExceededError, RuntimeError):
            counts = ", Reverb server unreachable"  # the watch logs loss and return
        lag = f", policy lag {self._lag:.1f}" if self.agent_kind == "impala" else ""
        loss = f", loss {float(info.loss):.3f}" if info is not None else ""
        self.log(f"learner: {updates:,} updates, {rate:,.1f} updates/s{counts}{lag}{loss}.")
        with self.summaries.as_default(step=updates):
            tf.summary.scalar("train/updates_per_s", rate)
            if info is not None:
                tf.summary.scalar("train/loss", info.loss)
        return now, updates

    def evaluate(self):
        """Greedy evaluation episodes of the current weights, logged."""
        return self._log_eval(self.updates, evaluate(self.agent.policy.action, envs.make_env,
                                                     self.eval_episodes,
                                                     seed=self.seed + 10_000))

    def _log_eval(self, updates: int, result):
        self.log(f"learner: evaluation at update {updates:,}: mean return "
                 f"{result.mean:.1f} +- {result.std:.1f} over {self.eval_episodes} episodes.")
        with self.summaries.as_default(step=updates):
            tf.summary.scalar("eval/mean_return", result.mean)
        return result

    def run(self, stop: threading.Event) -> dict:
        """Trains until max_updates or `stop`; checkpoints, exports the policy, evaluates."""
        self._diverged, self._lag, start = False, 0.0, self.updates
        if start:
            self.log(f"learner: resuming {self.root_dir} at update {start:,} "
                     f"({self.manager.latest_checkpoint}).")
        self._connect(stop)
        self._publish(stop)
        next_checkpoint = (start // self.checkpoint_interval + 1) * self.checkpoint_interval
        next_publish = start + self.publish_period
        next_eval = ((start // self.eval_interval + 1) * self.eval_interval
                     if self.eval_interval else None)
        last, info, began = (time.monotonic(), start), None, time.monotonic()
        evaluator = None
        if self._snapshot is not None:
            evaluator = SnapshotEvaluator.of_agent(self.agent, self._snapshot, envs.make_env,
                                                   self.eval_episodes, self.seed + 10_000)
        try:
            while not stop.is_set() and self.updates < self.max_updates:
                try:
                    step_info = self._step()
                except SERVER_LOST as error:
                    self._reconnect(stop, error)
                    continue
                info = step_info if step_info is not None else info
                if self.updates >= next_publish:  # a call may do several updates
                    next_publish = self.updates + self.publish_period
                    self._publish(stop)
                if self.updates >= next_checkpoint:
                    next_checkpoint += self.checkpoint_interval
                    self.save()
                if evaluator is not None:
                    done = evaluator.next_result(due=self.updates >= next_eval)
                    if done is not None:
                        self._log_eval(*done)  # labelled with the snapshot's update
                    if self.updates >= next_eval:
                        next_eval += self.eval_interval
                        evaluator.start(self.updates)
                if time.monotonic() - last[0] >= self.log_interval_s:
                    last = self._log_line(last, info)
        finally:
            if evaluator is not None:
                evaluator.close()  # ends an evaluation under way
            self.watch.close()
            if not self._diverged:  # never overwrite the last good checkpoint with NaNs
                self.save()
        result = self.evaluate() if self.eval_episodes and not stop.is_set() else None
        results = {"updates": self.updates, "updates_this_run": self.updates - start,
                   "wall_clock_s": round(time.monotonic() - began, 1),
                   "policy_dir": export_policy(self.agent.policy,
                                               os.path.join(self.root_dir, "policy")),
                   "eval_mean_return": result.mean if result else None}
        self.summaries.flush()
        return write_results(self.root_dir, results)
