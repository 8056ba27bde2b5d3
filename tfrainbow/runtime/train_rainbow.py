"""The single-process Rainbow run: Reverb server, actor thread and learner, resumable.

Layout under root_dir: checkpoints/ (tf.train.CheckpointManager), replay/ (Reverb
checkpoints) and replay_kept/ (the replay saved with each weights checkpoint,
replay/checkpoints.py), summaries/ (TensorBoard), policy/ (SavedModel), config.gin, results.json.

Deadlock-freedom: the actor runs in its own thread and the learner in the main thread, so a
rate-limited insert never stalls the learner that would unblock it, nor the reverse. Every
blocking Reverb call polls with a timeout and gives up once the run is stopping.
"""
import threading
import time
from typing import Optional

import gin
import numpy as np
import reverb
import tensorflow as tf

from tfrainbow import envs
from tfrainbow.builders import REPLAY_TABLE, RainbowBuilder
from tfrainbow.errors import ConfigError
from tfrainbow.runtime.progress import Progress
from tfrainbow.replay.checkpoints import PairedReplayCheckpoints, checkpoint_number
from tfrainbow.runtime.run_loop import RunLoop
from tfrainbow.runtime.run_utils import RunState, connect, describe_changes, steady_rate


def training_rates(first_update, last_update) -> dict:
    """Updates/s and env steps/s from the first update to the last (time, train step, env
    steps): the steady state, without the replay's warm-up, tracing, the final evaluation or
    the export (None before two updates)."""
    return {"training_updates_per_s": steady_rate(first_update, last_update, 1),
            "training_env_steps_per_s": steady_rate(first_update, last_update, 2)}


@gin.configurable
class RainbowTrainer(RunLoop):
    """Builds (or resumes) a run under root_dir in __init__; `run()` trains and exports.

    Trains until `max_env_steps` env steps, or until a periodic evaluation's mean return
    reaches `target_return` and (with `confirm_episodes`) the same snapshot's mean over that
    many fresh episodes holds it; evaluates every `eval_interval` env steps on `eval_episodes`
    greedy episodes (with `eval_epsilon`, a uniform random action at each step with that
    probability), on a snapshot of the weights in a background thread while training
    goes on (the final one, at max_env_steps, in the foreground); checkpoints every
    `checkpoint_interval` env steps and on exit; exports the greedy policy to
    root_dir/policy (a run stopped on its target: the snapshot that reached it). The envs
    the actor steps side by side: ReplayConfig.envs_per_actor.
    """

    def __init__(self, root_dir: str, reverb_address: Optional[str] = None,
                 max_env_steps: int = 100_000, eval_interval: int = 10_000,
                 eval_episodes: int = 10, target_return: Optional[float] = None,
                 confirm_episodes: int = 0, eval_epsilon: float = 0.0,
                 checkpoint_interval: int = 10_000, log_interval_s: float = 5.0,
                 seed: int = 0, reverb_timeout_s: int = 10,
                 stop_event: Optional[threading.Event] = None, num_envs: Optional[int] = None):
        if num_envs is not None:
            raise ConfigError("RainbowTrainer.num_envs is now ReplayConfig.envs_per_actor (one "
                              f"home for every Rainbow actor): bind ReplayConfig.envs_per_actor "
                              f"= {num_envs} instead.")
        self.max_env_steps = int(max_env_steps)
        self.state = RunState()
        self.progress = Progress(self.max_env_steps, interval_s=log_interval_s)
        super().__init__(RainbowBuilder(), root_dir, eval_interval, eval_episodes,
                         target_return, checkpoint_interval, log_interval_s, seed, stop_event,
                         log=self.progress.say_timed, state={"state": self.state},
                         confirm_episodes=confirm_episodes, eval_epsilon=eval_epsilon)
        self.server, self.paired_replay, replay_note = None, None, ""
        if reverb_address is None:
            # The replay restored is the one saved with the weights restored (one unit).
            self.paired_replay = PairedReplayCheckpoints(self.root_dir)
            checkpointer, replay_note = self.paired_replay.checkpointer(
                checkpoint_number(self.manager.latest_checkpoint))
            self.server = reverb.Server(self.builder.make_tables(self.env_specs), port=None,
                                        checkpointer=checkpointer)
            reverb_address = f"localhost:{self.server.port}"
        self.client = connect(reverb_address, reverb_timeout_s)
        self.learner = self.builder.make_learner(self.agent, reverb_address, self.builder_state)
        limit = self.max_env_steps
        self.actor = self.builder.make_actor(
            envs.make_vector_env(self.builder.envs_per_actor), self.agent, self.client,
            self.builder_state, lambda: self.stop.is_set() or self.actor.env_steps >= limit,
            seed, env_steps=int(self.state.env_steps), episodes=int(self.state.episodes))
        # A resumed run's progress lines start from its last logged episodes, not from nan.
        self.actor.episode_returns.extend(self.episode_log.recent_returns(100))
        self.progress.restart(self.actor.env_steps, int(self.agent.train_step))
        self._first_update = self._last_update = None  # (time, train step, env steps)
        self._warming_up = self.replay_size() < self.builder.config.min_size
        if self.actor.env_steps or self.replay_size():
            self.log(f"Resuming {self.root_dir}: {self.actor.env_steps:,} env steps, "
                     f"{int(self.agent.train_step):,} updates, {self.replay_size():,} "
                     f"transitions in replay{replay_note}"
                     f"{describe_changes(self.changed_settings)}.")

    def replay_size(self) -> int:
        """Transitions in the replay table now."""
        return self.client.server_info()[REPLAY_TABLE].current_size

    def count(self) -> int:
        return self.actor.env_steps

    def done(self) -> bool:
        return False  # the learner goes on while the replay ratio allows (exhausted)

    def completed(self) -> bool:
        return self.actor.env_steps >= self.max_env_steps

    def exhausted(self) -> bool:
        return not self.actor.is_alive()  # at max_env_steps, and the replay ratio is spent

    def check(self):
        if self.actor.error is not None:
            raise self.actor.error

    check_after_stop = check

    def train_step(self):
        if self._warming_up:
            # The first sample blocks until replay holds min_size: until then the loop
            # goes on without it, so checkpoints and progress lines keep their schedule.
            if self.replay_size() < self.builder.config.min_size:
                time.sleep(0.05)
                return None
            self._warming_up = False
        info = self.learner.step()
        if info is not None:
            self._last_update = (time.monotonic(), int(self.agent.train_step),
                                 self.actor.env_steps)
            self._first_update = self._first_update or self._last_update
        return info

    def start_acting(self):
        log, actor = self.episode_log, self.actor
        actor.start(on_episode=lambda ret, length: log.record(actor.env_steps + 1, ret, length))

    def stop_acting(self):
        self.stop.set()
        self.actor.join(timeout=30)

    def before_save(self):
        self.state.env_steps.assign(self.actor.env_steps)
        self.state.episodes.assign(self.actor.episodes)

    def save_before_weights(self, number: int):
        path = self.client.checkpoint()  # the replay, before the weights it goes with
        if self.paired_replay is not None:
            self.paired_replay.keep(path, number)

    def discard_partial_save(self):
        super().discard_partial_save()
        if self.paired_replay is not None:
            self.paired_replay.remove_partial()

    def after_save(self, number: int):
        if self.paired_replay is not None:
            self.paired_replay.prune(number)

    def progress_line(self, info):
        actor = self.actor
        line = self.progress.update(actor.env_steps, actor.episodes, int(self.agent.train_step),
                                    actor.episode_returns, self.replay_size(), self.evaluation.last_eval)
        with self.summaries.as_default(step=actor.env_steps):
            for name, value in line.items():
                tf.summary.scalar(name, value)
            if info is not None:
                tf.summary.scalar("train/loss", info.loss)
                tf.summary.scalar("train/q_mean", info.extra.q_mean)
            if actor.episode_lengths:
                tf.summary.scalar("train/episode_length", np.mean(actor.episode_lengths))

    def run_results(self) -> dict:
        return {"env_steps": self.actor.env_steps, "updates": int(self.agent.train_step),
                "episodes": self.actor.episodes, "replay_size": self.replay_size(),
                **training_rates(self._first_update, self._last_update)}

    def close(self):
        """Flushes summaries, closes writers, stops the embedded Reverb server."""
        super().close()
        self.actor.close()
        self.learner.close()  # before its server stops (Learner.close)
        if self.server is not None:
            self.server.stop()
            self.server = None
