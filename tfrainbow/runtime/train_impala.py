"""The one-machine IMPALA run: an embedded Reverb server, N actor processes acting with a
lagging copy of the policy, and a V-trace learner in this process.

Layout under root_dir as for Rainbow: checkpoints/, summaries/, policy/, config.gin,
results.json. Unrolls in flight are not checkpointed: each is consumed once, and actors
simply write new ones after a restart.
"""
import multiprocessing
import os
import queue
import threading
import time
from typing import Optional

import gin
import reverb
import tensorflow as tf

from tfrainbow.builders import UNROLL_TABLE, VARIABLE_TABLE, ImpalaBuilder
from tfrainbow.replay import weights
from tfrainbow.runtime.actor_process import actor_process
from tfrainbow.runtime.progress import Progress
from tfrainbow.runtime.run_loop import RunLoop
from tfrainbow.runtime.run_utils import RunState, connect, describe_changes, steady_rate


@gin.configurable
class ImpalaTrainer(RunLoop):
    """Builds (or resumes) an IMPALA run under root_dir; `run()` trains and exports.

    Args:
      num_actors: actor processes (None: one per CPU core).
      confirm_episodes: fresh episodes that must confirm a result at target_return.
      The transport (unroll length, batch size, queue, publish and pull periods, envs per
      actor) comes from UnrollConfig; the rest as for RainbowTrainer.
    """

    publishes = True

    def __init__(self, root_dir: str, num_actors: Optional[int] = None,
                 max_env_steps: int = 1_000_000, eval_interval: int = 50_000,
                 eval_episodes: int = 10, target_return: Optional[float] = None,
                 confirm_episodes: int = 0,
                 checkpoint_interval: int = 100_000, log_interval_s: float = 5.0,
                 seed: int = 0, stop_event: Optional[threading.Event] = None):
        self.num_actors = int(num_actors or os.cpu_count() or 1)
        self.max_env_steps = int(max_env_steps)
        self.state = RunState()
        self.progress = Progress(self.max_env_steps, interval_s=log_interval_s)
        builder = ImpalaBuilder()
        super().__init__(builder, root_dir, eval_interval, eval_episodes, target_return,
                         checkpoint_interval, log_interval_s, seed, stop_event,
                         log=self.progress.say_timed, state={"state": self.state},
                         confirm_episodes=confirm_episodes)
        self.transport = builder.config
        self.config = gin.config_str()
        self.server = reverb.Server(builder.make_tables(self.env_specs), port=None)
        self.address = f"localhost:{self.server.port}"
        self.client = connect(self.address)
        self.publisher = weights.WeightsPublisher(self.client, VARIABLE_TABLE)
        # Keras walks its layers on every `.variables`: the list is built once.
        self._published = builder.published_variables(self.agent, self.builder_state)
        self.learner = builder.make_learner(self.agent, self.address, self.builder_state)
        self._env_steps = self._episodes = None  # shared with the actor processes
        # A resumed run's progress lines start from its last logged episodes, not from nan.
        self._returns = self.episode_log.recent_returns(100)
        self._num_episodes = int(self.state.episodes)
        self._processes = []
        self._first_update = self._last_update = None  # (time, train step)
        self._start_steps = int(self.state.env_steps)
        if self.resumed:
            self.log(f"Resuming {self.root_dir}: {self._start_steps:,} env steps, "
                     f"{int(self.agent.train_step):,} updates"
                     f"{describe_changes(self.changed_settings)}.")

    def count(self) -> int:
        return self._env_steps.value if self._env_steps is not None else int(
            self.state.env_steps)

    def updates(self) -> int:
        return self.learner.last_step

    def done(self) -> bool:
        return self.count() >= self.max_env_steps

    def budget_updates(self) -> tuple:
        # Each unroll step is trained on once: an update per batch x unroll_length env steps.
        config = self.builder.config
        per_update = config.batch_size * config.unroll_length
        return -(-self.max_env_steps // per_update), (
            f"ImpalaTrainer.max_env_steps = {self.max_env_steps} / ({config.batch_size} "
            f"unrolls x {config.unroll_length} steps per update)")

    def start_acting(self):
        context = multiprocessing.get_context("spawn")
        self._actor_stop, self._episodes = context.Event(), context.Queue()
        self._env_steps = context.Value("q", int(self.state.env_steps))
        self._writing = context.Value("i", 0)  # actors that have written an unroll
        self.progress.restart(self._start_steps, int(self.agent.train_step))
        self.progress.say(f"IMPALA: {self.num_actors} actor processes x "
                          f"{self.transport.envs_per_actor} envs, unrolls of "
                          f"{self.transport.unroll_length}, batches of "
                          f"{self.transport.batch_size}.")
        for actor_id in range(self.num_actors):
            process = context.Process(
                target=actor_process, name=f"actor-{actor_id}", daemon=True,
                args=(self.config, self.address, actor_id, self.seed, self._actor_stop,
                      self._env_steps, self._episodes, self._writing))
            process.start()
            self._processes.append(process)

    def check(self):
        dead = [p.name for p in self._processes if not p.is_alive()]
        if dead:
            raise RuntimeError(f"IMPALA actor process(es) {dead} died; see above.")

    def train_step(self):
        info = self.learner.step()
        if info is not None:
            self._last_update = (time.monotonic(), self.learner.last_step)
            if self._first_update is None and self._writing.value >= self.num_actors:
                self._first_update = self._last_update  # the rate counts once all write
        while True:
            try:
                finished = self._episodes.get_nowait()  # [(return, length)] of one unroll
            except queue.Empty:
                break
            self._returns.extend(ret for ret, _ in finished)
            for ret, length in finished:  # at the counter's env steps (within an unroll)
                self.episode_log.record(self._env_steps.value, ret, length)
            del self._returns[:-100]
            self._num_episodes += len(finished)
        return info

    def publish(self, updates: int):
        self.publisher.publish(updates, self._published)

    def stop_acting(self):
        if self._env_steps is None:
            return
        self._actor_stop.set()
        for process in self._processes:
            process.join(timeout=20)
            if process.is_alive():
                process.terminate()

    def before_save(self):
        self.state.env_steps.assign(self.count())
        self.state.episodes.assign(self._num_episodes)

    def progress_line(self, info):
        steps, recent = self.count(), self.learner.recent_lags
        line = self.progress.update(steps, self._num_episodes, self.learner.last_step,
                                    self._returns, self.client.server_info()[
                                        UNROLL_TABLE].current_size, self.evaluation.last_eval)
        with self.summaries.as_default(step=steps):
            for name, value in line.items():
                tf.summary.scalar(name, value)
            tf.summary.scalar("train/policy_lag_mean", float(recent.mean()))
            tf.summary.histogram("train/policy_lag", recent)

    def run_results(self) -> dict:
        steps, elapsed = self.count(), max(self.progress.elapsed(), 1e-9)
        return {"env_steps": steps, "updates": int(self.agent.train_step),
                "episodes": self._num_episodes,
                "env_steps_per_s": round((steps - self._start_steps) / elapsed, 1),
                "trained_env_steps_per_s": steady_rate(  # updates x B x T
                    self._first_update, self._last_update, 1,
                    self.transport.batch_size * self.transport.unroll_length),
                "num_actors": self.num_actors, "policy_lag": self.learner.lag_summary()}

    def close(self):
        """Flushes summaries and stops the embedded Reverb server."""
        super().close()
        self.publisher.close()
        self.learner.close()  # before its server stops (Learner.close)
        if self.server is not None:
            self.server.stop()
            self.server = None
