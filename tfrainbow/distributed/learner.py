"""The learner process of a split run: trains from the server's tables, publishes weights
to its variable table, checkpoints, and resumes from root_dir (binaries/learner.py)."""
import os
import sys
import threading
import time
from typing import Optional

import gin
import reverb
import tensorflow as tf

from tfrainbow import builders
from tfrainbow.builders import VARIABLE_TABLE
from tfrainbow.distributed.connection import ServerWatch, wait_for_server
from tfrainbow.errors import ConfigError, ReverbUnavailableError
from tfrainbow.replay import weights
from tfrainbow.runtime.run_loop import RunLoop
from tfrainbow.runtime.run_utils import describe_changes
from tfrainbow.runtime.stop_waker import StopWaker

# What a dataset or a priority update raises while the server is away (it is retried).
SERVER_LOST = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError,
               tf.errors.CancelledError, tf.errors.AbortedError, tf.errors.InternalError)


@gin.configurable
class RemoteLearner(RunLoop):
    """Trains `agent_kind` ('rainbow' or 'impala') from the server at reverb_address. It
    publishes weights every `publish_period` updates of the agent's config (ReplayConfig
    or UnrollConfig).

    Args:
      max_updates: stop at this many updates (the counter survives restarts).
      checkpoint_interval: updates between checkpoints (also written on exit).
      eval_interval: updates between greedy evaluations of eval_episodes, each on a snapshot
        of the weights in a background thread while training goes on (None: only at the
        end, in the foreground).
      target_return: stop once an evaluation's mean return reaches it (None: never).
      connect_timeout_s: how long to retry reaching the server, at start and after a loss.
      publish_period: the old name, refused with the new binding.
    """

    unit, publishes = "updates", True

    def __init__(self, root_dir: str, agent_kind: str, reverb_address: str,
                 max_updates: int = 1_000_000, checkpoint_interval: int = 10_000,
                 eval_interval: Optional[int] = None, eval_episodes: int = 10,
                 target_return: Optional[float] = None, confirm_episodes: int = 0,
                 log_interval_s: float = 5.0,
                 seed: int = 0, connect_timeout_s: float = 600.0, log=print,
                 publish_period: Optional[int] = None):
        builder = builders.builder_for(agent_kind)
        if publish_period is not None:
            config = type(builder.config).__name__
            raise ConfigError(f"RemoteLearner.publish_period is now {config}.publish_period "
                              "(one home for the one-process and split runs): bind "
                              f"{config}.publish_period = {publish_period} instead.")
        self.address, self.max_updates = reverb_address, int(max_updates)
        self.connect_timeout_s = connect_timeout_s
        super().__init__(builder, root_dir, eval_interval, eval_episodes, target_return,
                         checkpoint_interval, log_interval_s, seed,
                         log=lambda text: log(f"learner: {text}"),
                         confirm_episodes=confirm_episodes)
        self._published = builder.published_variables(self.agent, self.builder_state)
        self._start = self.updates()
        self._last_line = (time.monotonic(), self._start)
        self._waker = StopWaker(self.stop)  # entered by run()

    def label(self, count: int) -> str:
        return f"update {count:,}"

    def count(self) -> int:
        return self.updates()

    def done(self) -> bool:
        return self.updates() >= self.max_updates

    def budget_updates(self) -> tuple:
        return self.max_updates, f"RemoteLearner.max_updates = {self.max_updates}"

    def start_acting(self):
        """Joins the server (the actors are other processes)."""
        if self._start:
            self.log(f"resuming {self.root_dir} at update {self._start:,} "
                     f"({self.manager.latest_checkpoint}"
                     f"{describe_changes(self.changed_settings)}).")
        self.client = wait_for_server(self.address, self.connect_timeout_s,
                                      self.builder.table_names, self.stop.is_set, self.log)
        self.learner = self.builder.make_learner(self.agent, self.address, self.builder_state)
        self.publisher = weights.WeightsPublisher(self.client, VARIABLE_TABLE)
        # Datasets and priority updates mostly wait out an outage; this says why.
        self.watch = ServerWatch(self.client, self.address, log=self.log).start()

    def stop_acting(self):
        if getattr(self, "watch", None) is not None:
            self.watch.close()

    def train_step(self):
        """One learner call; None when no data came in time or the server was lost (then
        it waits for the server to come back)."""
        try:
            with self._waker.cancellable():  # a stop signal ends a wait on a lost server
                return self.learner.step()
        except SERVER_LOST as error:
            if self.stop.is_set():
                return None  # the run saves and ends
            self.log(f"lost the Reverb server at {self.address} ({type(error).__name__}); "
                     "waiting for it to come back.")
            try:
                wait_for_server(self.address, self.connect_timeout_s, self.builder.table_names,
                                self.stop.is_set, lambda text: None)
            except ReverbUnavailableError:
                if self.stop.is_set():
                    return None
                raise
            self.learner.reset()
            self.log(f"Reverb server at {self.address} is back; training resumes.")
            return None

    def publish(self, updates: int):
        self.publisher.publish(updates, self._published, self.stop.is_set)

    def progress_line(self, info):
        now, updates = time.monotonic(), self.updates()
        rate = (updates - self._last_line[1]) / max(now - self._last_line[0], 1e-9)
        try:
            table_info = self.client.server_info(timeout=5)[self.builder.item_table]
            counts = (f", {table_info.rate_limiter_info.insert_stats.completed:,} items "
                      f"inserted, {table_info.current_size:,} in '{self.builder.item_table}'")
        except (reverb.errors.DeadlineExceededError, RuntimeError):
            counts = ", Reverb server unreachable"  # the watch logs loss and return
        lag = self.learner.progress_text()
        loss = f", loss {float(info.loss):.3f}" if info is not None else ""
        self.log(f"{updates:,} updates, {rate:,.1f} updates/s{counts}{lag}{loss}.")
        with self.summaries.as_default(step=updates):
            tf.summary.scalar("train/updates_per_s", rate)
            if info is not None:
                tf.summary.scalar("train/loss", info.loss)
        self._last_line = (now, updates)

    def run(self, stop: Optional[threading.Event] = None) -> dict:
        """Trains until max_updates or `stop`; checkpoints, evaluates, exports the policy."""
        if stop is not None:
            self.stop = stop
        with StopWaker(self.stop, on_stuck=self._stuck_in_reverb) as self._waker:
            return super().run()

    def _stuck_in_reverb(self):
        """A stop came while an update waits on a Reverb op that ignores cancellation (a
        priority update to a lost server; the update itself is applied): save from the
        StopWaker's thread and end the process, which would otherwise wait for SIGKILL."""
        self.save()
        self.log(f"stopping while the Reverb server at {self.address} is unreachable: saved "
                 f"{self.manager.latest_checkpoint} (update {self.updates():,}); the final "
                 "export was skipped (binaries.export_policy writes it from the checkpoint).")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    def run_results(self) -> dict:
        return {"updates": self.updates(), "updates_this_run": self.updates() - self._start}
