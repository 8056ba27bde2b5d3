"""The one-machine IMPALA run: an embedded Reverb server, N actor processes acting with a
lagging copy of the policy, and a V-trace learner in this process.

Layout under root_dir as for Rainbow: checkpoints/, summaries/, policy/, config.gin,
results.json. Unrolls in flight are not checkpointed: each is consumed once, and actors
simply write new ones after a restart.
"""
import multiprocessing
import os
import queue
import signal
import threading
import time
from typing import Optional

import gin
import numpy as np
import reverb
import tensorflow as tf

from tfrainbow import envs, specs
from tfrainbow.errors import ConfigError
from tfrainbow.policies.compiled import LazyFlatCall
from tfrainbow.policies.saver import export_policy
from tfrainbow.replay import unrolls
from tfrainbow.runtime import builders
from tfrainbow.runtime.evaluator import SnapshotEvaluator, evaluate
from tfrainbow.runtime.builders import UNROLL_TABLE, VARIABLE_TABLE
from tfrainbow.runtime.impala_actor import actor_process
from tfrainbow.runtime.progress import Progress
from tfrainbow.runtime.run_utils import (RunState, connect, install_stop_signals,  # noqa: F401
                                         restore_latest, steady_rate, writable_root_dir,
                                         write_results)


MAX_LAG_BIN = 1000  # learner updates; the histogram's last bin holds anything beyond


def lag_summary(counts: np.ndarray) -> dict:
    """Mean, median, 90th percentile and max of a lag histogram (counts[k]: lag k)."""
    total = int(counts.sum())
    if total == 0:
        return {"mean": 0.0, "p50": 0.0, "p90": 0.0, "max": 0.0}
    lags = np.arange(len(counts))
    cumulative = np.cumsum(counts)
    return {"mean": float((lags * counts).sum() / total),
            "p50": float(np.searchsorted(cumulative, 0.5 * total)),
            "p90": float(np.searchsorted(cumulative, 0.9 * total)),
            "max": float(lags[counts > 0].max())}


@gin.configurable
class ImpalaTrainer:
    """Builds (or resumes) an IMPALA run under root_dir; `run()` trains and exports.

    Args:
      num_actors: actor processes (None: one per CPU core).
      The transport (unroll length, batch size, queue, publish and pull periods, envs per
      actor) comes from UnrollConfig; the rest as for RainbowTrainer.
    """

    def __init__(self, root_dir: str, num_actors: Optional[int] = None,
                 max_env_steps: int = 1_000_000, eval_interval: int = 50_000,
                 eval_episodes: int = 10, target_return: Optional[float] = None,
                 checkpoint_interval: int = 100_000, log_interval_s: float = 5.0,
                 seed: int = 0, stop_event: Optional[threading.Event] = None):
        self.root_dir = writable_root_dir(root_dir)
        self.num_actors = int(num_actors or os.cpu_count() or 1)
        self.max_env_steps = int(max_env_steps)
        self.transport = transport = builders.UnrollConfig()
        self.eval_interval, self.eval_episodes = int(eval_interval), int(eval_episodes)
        self.target_return, self.checkpoint_interval = target_return, int(checkpoint_interval)
        self.seed = seed
        tf.random.set_seed(seed)
        env_specs = specs.specs_from_env(envs.make_env())
        self.agent = agent = builders.build_impala_agent(env_specs)
        if agent.network.core is not None:
            raise ConfigError("ImpalaTrainer evaluates and exports feedforward policies; "
                              "set ActorCriticNetwork.lstm_units = None.")
        # The weights evaluated last (evaluation runs beside training, on a copy): a run
        # stopped on target_return exports these.
        self._snapshot = builders.build_impala_agent(env_specs)
        self.state = RunState()
        self.checkpoint = tf.train.Checkpoint(agent=agent, state=self.state)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, os.path.join(self.root_dir, "checkpoints"), max_to_keep=3)
        restore_latest(self.checkpoint, self.manager, self.root_dir)
        self.config = gin.config_str()
        with open(os.path.join(self.root_dir, "config.gin"), "w") as f:
            f.write(self.config)

        self.server = reverb.Server(transport.tables(agent), port=None)
        self.address = f"localhost:{self.server.port}"
        self.client = connect(self.address)
        self.publisher = unrolls.WeightsPublisher(self.client, VARIABLE_TABLE)
        self._published = list(agent.network.variables)  # Keras walks its layers per call
        self.dataset = transport.dataset(self.address)
        self._iterator = iter(self.dataset)
        # One update from the queue -> (info, lag [T, B], train step after it), called flat:
        # binding the iterator per call cost ~20% of a CartPole update.
        self._update = LazyFlatCall(tf.function(self._step))
        self.stop = stop_event or threading.Event()
        self.summaries = tf.summary.create_file_writer(os.path.join(self.root_dir, "summaries"))
        # Policy lag (learner step - behaviour step) of every trained step, as a histogram:
        # bounded memory however long the run (lags past the last bin count in it).
        self.lag_counts = np.zeros(MAX_LAG_BIN + 1, np.int64)
        self._recent_lags = np.zeros(1)

    def _step(self, iterator):
        unroll, versions = next(iterator)
        lag = self.agent.train_step - versions  # [T, B], before this update
        info = self.agent.train(unroll)
        return info, lag, self.agent.train_step.read_value()

    def _spawn_actors(self, context, stop, env_steps, episodes, writing):
        processes = []
        for actor_id in range(self.num_actors):
            process = context.Process(
                target=actor_process, name=f"actor-{actor_id}", daemon=True,
                args=(self.config, self.address, actor_id, self.transport.envs_per_actor,
                      self.transport.unroll_length, self.transport.pull_period, self.seed,
                      stop, env_steps, episodes, writing))
            process.start()
            processes.append(process)
        return processes

    def evaluate(self, env_steps: int, progress: Progress):
        """Greedy evaluation episodes of the current weights, logged."""
        return self._log_eval(env_steps, evaluate(self.agent.policy.action, envs.make_env,
                                                  self.eval_episodes, seed=self.seed + 10_000),
                              progress)

    def _log_eval(self, env_steps: int, result, progress: Progress):
        """An evaluation result to TensorBoard and the progress line."""
        with self.summaries.as_default(step=env_steps):
            tf.summary.scalar("eval/mean_return", result.mean)
        progress.eval(env_steps, result)
        return result

    def run(self) -> dict:
        """Trains until max_env_steps or target_return; checkpoints; exports; results."""
        previous_handlers = install_stop_signals(self.stop)
        context = multiprocessing.get_context("spawn")
        actor_stop, episodes = context.Event(), context.Queue()
        env_steps = context.Value("q", int(self.state.env_steps))
        writing = context.Value("i", 0)  # actors that have written an unroll
        agent, start_steps = self.agent, int(self.state.env_steps)
        self.publisher.publish(int(agent.train_step), self._published)
        processes = self._spawn_actors(context, actor_stop, env_steps, episodes, writing)
        progress = Progress(self.max_env_steps, start_steps=start_steps,
                            start_updates=int(agent.train_step), interval_s=5.0)
        progress.say(f"IMPALA: {self.num_actors} actor processes x "
                     f"{self.transport.envs_per_actor} envs, "
                     f"unrolls of {self.transport.unroll_length}, batches of "
                     f"{self.transport.batch_size}.")
        returns, num_episodes = [], int(self.state.episodes)
        next_eval = (start_steps // self.eval_interval + 1) * self.eval_interval
        next_checkpoint = (start_steps // self.checkpoint_interval + 1) * self.checkpoint_interval
        result, reached, first_update, last_update = None, False, None, None
        evaluator = SnapshotEvaluator.of_agent(agent, self._snapshot, envs.make_env,
                                               self.eval_episodes, self.seed + 10_000)

        def save():
            self.state.env_steps.assign(env_steps.value)
            self.state.episodes.assign(num_episodes)
            self.manager.save(checkpoint_number=env_steps.value)

        try:
            while not self.stop.is_set() and env_steps.value < self.max_env_steps:
                dead = [p.name for p in processes if not p.is_alive()]
                if dead:
                    raise RuntimeError(f"IMPALA actor process(es) {dead} died; see above.")
                try:
                    info, lag, step = self._update(self._iterator)
                    last_update = (time.monotonic(), int(step))
                    if first_update is None and writing.value >= self.num_actors:
                        first_update = last_update  # the rate counts once all actors write
                    self._recent_lags = np.clip(lag.numpy().ravel(), 0, MAX_LAG_BIN)
                    self.lag_counts += np.bincount(self._recent_lags,
                                                   minlength=MAX_LAG_BIN + 1)
                    if last_update[1] % self.transport.publish_period == 0:
                        self.publisher.publish(last_update[1], self._published)
                except tf.errors.OutOfRangeError:  # no unroll within the timeout
                    self._iterator = iter(self.dataset)
                while True:
                    try:
                        finished = episodes.get_nowait()  # [(return, length)] of one unroll
                    except queue.Empty:
                        break
                    returns.extend(ret for ret, _ in finished)
                    num_episodes += len(finished)
                steps = env_steps.value
                if progress.due():
                    recent = self._recent_lags
                    line = progress.update(steps, num_episodes, int(agent.train_step),
                                           returns[-100:], self.client.server_info()[
                                               UNROLL_TABLE].current_size)
                    with self.summaries.as_default(step=steps):
                        for name, value in line.items():
                            tf.summary.scalar(name, value)
                        tf.summary.scalar("train/policy_lag_mean", float(recent.mean()))
                        tf.summary.histogram("train/policy_lag", recent)
                done = evaluator.next_result(due=steps >= next_eval)
                if done is not None:
                    result = self._log_eval(*done, progress)
                    if self.target_return is not None and result.mean >= self.target_return:
                        reached = True  # the snapshot stays as evaluated: it is exported
                        break
                if steps >= next_eval:
                    next_eval += self.eval_interval
                    evaluator.start(steps)  # a snapshot of the weights, evaluated meanwhile
                if steps >= next_checkpoint:
                    next_checkpoint += self.checkpoint_interval
                    save()
        finally:
            evaluator.close()  # ends an evaluation under way
            actor_stop.set()
            for process in processes:
                process.join(timeout=20)
                if process.is_alive():
                    process.terminate()
            save()
            for signum, handler in previous_handlers.items():
                signal.signal(signum, handler)
        interrupted = not reached and env_steps.value < self.max_env_steps
        if not reached and not interrupted:
            result = self.evaluate(env_steps.value, progress)
        results = {"env_steps": env_steps.value, "updates": int(agent.train_step),
                   "episodes": num_episodes, "wall_clock_s": round(progress.elapsed(), 1),
                   "env_steps_per_s": round((env_steps.value - start_steps)
                                            / max(progress.elapsed(), 1e-9), 1),
                   "trained_env_steps_per_s": steady_rate(  # updates x B x T
                       first_update, last_update, 1,
                       self.transport.batch_size * self.transport.unroll_length),
                   "num_actors": self.num_actors, "interrupted": interrupted,
                   "policy_lag": lag_summary(self.lag_counts),
                   "policy_dir": export_policy((self._snapshot if reached else agent).policy,
                                               os.path.join(self.root_dir, "policy")),
                   "eval_mean_return": result.mean if result else None,
                   "eval_std_return": result.std if result else None,
                   "target_return": self.target_return, "target_reached": reached}
        write_results(self.root_dir, results)
        self.close()
        return results

    def close(self):
        """Flushes summaries and stops the embedded Reverb server."""
        self.summaries.flush()
        self.publisher.close()
        if self.server is not None:
            self.server.stop()
            self.server = None
