"""The single-process Rainbow run: Reverb server, actor thread and learner, resumable.

Layout under root_dir: checkpoints/ (tf.train.CheckpointManager), replay/ (Reverb
checkpoints), summaries/ (TensorBoard), policy/ (SavedModel), config.gin, results.json.

Deadlock-freedom: the actor runs in its own thread and the learner in the main thread, so a
rate-limited insert never stalls the learner that would unblock it, nor the reverse. Every
blocking Reverb call polls with a timeout and gives up once the run is stopping.
"""
import json
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
from tfrainbow.policies.saver import export_policy
from tfrainbow.runtime import builders
from tfrainbow.runtime.actor import Actor
from tfrainbow.runtime.evaluator import evaluate
from tfrainbow.runtime.progress import Progress


class RunState(tf.Module):
    """Counters that a resumed run continues from."""

    def __init__(self):
        super().__init__(name="run_state")
        self.env_steps = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.episodes = tf.Variable(0, dtype=tf.int64, trainable=False)


def _install_stop_signals(stop: threading.Event):
    """SIGINT/SIGTERM ask the run to checkpoint and exit; a second SIGINT interrupts."""
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum, frame):
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        print(f"\nReceived {signal.Signals(signum).name}: checkpointing and stopping.",
              flush=True)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


@gin.configurable
def train_rainbow(root_dir: str, reverb_address: Optional[str] = None, num_envs: int = 1,
                  max_env_steps: int = 100_000, eval_interval: int = 10_000,
                  eval_episodes: int = 10, target_return: Optional[float] = None,
                  checkpoint_interval: int = 10_000, log_interval_s: float = 5.0,
                  seed: int = 0, stop_event: Optional[threading.Event] = None) -> dict:
    """Trains until `max_env_steps` env steps, or until a periodic evaluation's mean return
    reaches `target_return`; evaluates every `eval_interval` env steps on `eval_episodes`
    greedy episodes; checkpoints every `checkpoint_interval` env steps and on exit; exports
    the greedy policy to root_dir/policy. Returns the final results (also results.json)."""
    root_dir = os.path.abspath(root_dir)
    os.makedirs(root_dir, exist_ok=True)
    tf.random.set_seed(seed)
    env_specs = specs.specs_from_env(envs.make_env())
    agent = builders.build_rainbow_agent(env_specs)
    replay = builders.ReplayConfig()
    with open(os.path.join(root_dir, "config.gin"), "w") as f:
        f.write(gin.config_str())

    server = None
    if reverb_address is None:
        checkpointer = reverb.checkpointers.DefaultCheckpointer(os.path.join(root_dir, "replay"))
        server = reverb.Server([replay.table(env_specs.observation_spec)], port=None,
                               checkpointer=checkpointer)
        reverb_address = f"localhost:{server.port}"
    client = reverb.Client(reverb_address)
    learner = replay.learner(agent, reverb_address)
    state = RunState()
    checkpoint = tf.train.Checkpoint(agent=agent, max_priority=learner.max_priority,
                                     state=state)
    manager = tf.train.CheckpointManager(checkpoint, os.path.join(root_dir, "checkpoints"),
                                         max_to_keep=3)
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    replay_size = client.server_info()[builders.REPLAY_TABLE].current_size

    stop = stop_event or threading.Event()
    _install_stop_signals(stop)
    max_priority = learner.max_priority
    writers = [replay.writer(client, agent, lambda: float(max_priority.numpy()), stop.is_set)
               for _ in range(num_envs)]
    actor = Actor(envs.make_vector_env(num_envs), agent.collect_policy, writers, seed=seed,
                  env_steps=int(state.env_steps), episodes=int(state.episodes))
    summaries = tf.summary.create_file_writer(os.path.join(root_dir, "summaries"))
    progress = Progress(max_env_steps, start_steps=actor.env_steps,
                        start_updates=int(agent.train_step), interval_s=log_interval_s)
    if actor.env_steps or replay_size:
        progress.say(f"Resuming {root_dir}: {actor.env_steps:,} env steps, "
                     f"{int(agent.train_step):,} updates, {replay_size:,} transitions in replay.")

    def save():
        state.env_steps.assign(actor.env_steps)
        state.episodes.assign(actor.episodes)
        manager.save(checkpoint_number=actor.env_steps)
        client.checkpoint()

    def run_evaluation():
        result = evaluate(agent.policy.action, envs.make_env, eval_episodes, seed=seed + 10_000)
        with summaries.as_default(step=actor.env_steps):
            tf.summary.scalar("eval/mean_return", result.mean)
            tf.summary.scalar("eval/std_return", result.std)
        progress.eval(actor.env_steps, result)
        return result

    next_eval = (actor.env_steps // eval_interval + 1) * eval_interval
    next_checkpoint = (actor.env_steps // checkpoint_interval + 1) * checkpoint_interval
    result, reached, loss_info = None, False, None
    actor.start(stop.is_set, max_env_steps)
    try:
        while not stop.is_set():
            if actor.error is not None:
                raise actor.error
            info = learner.step()
            loss_info = info if info is not None else loss_info
            if info is None and not actor.is_alive():
                break  # the actor reached max_env_steps and the replay ratio is spent
            if progress.due():
                size = client.server_info()[builders.REPLAY_TABLE].current_size
                line = progress.update(actor.env_steps, actor.episodes, int(agent.train_step),
                                       actor.episode_returns, size)
                with summaries.as_default(step=actor.env_steps):
                    for name, value in line.items():
                        tf.summary.scalar(name, value)
                    if loss_info is not None:
                        tf.summary.scalar("train/loss", loss_info.loss)
                        tf.summary.scalar("train/q_mean", loss_info.extra.q_mean)
                    if actor.episode_lengths:
                        tf.summary.scalar("train/episode_length",
                                          np.mean(actor.episode_lengths))
            if actor.env_steps >= next_eval:
                next_eval += eval_interval
                result = run_evaluation()
                if target_return is not None and result.mean >= target_return:
                    reached = True
                    break
            if actor.env_steps >= next_checkpoint:
                next_checkpoint += checkpoint_interval
                save()
    finally:
        stop.set()
        actor.join(timeout=30)
        save()
    interrupted = not reached and actor.env_steps < max_env_steps
    if not reached and not interrupted:
        result = run_evaluation()
    policy_dir = export_policy(agent.policy, os.path.join(root_dir, "policy"))
    results = {"env_steps": actor.env_steps, "updates": int(agent.train_step),
               "episodes": actor.episodes, "wall_clock_s": progress.elapsed(),
               "interrupted": interrupted, "policy_dir": policy_dir,
               "eval_mean_return": result.mean if result else None,
               "eval_std_return": result.std if result else None,
               "target_return": target_return, "target_reached": reached}
    with open(os.path.join(root_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    summaries.flush()
    for writer in writers:
        writer.close()
    if server is not None:
        server.stop()
    return results
