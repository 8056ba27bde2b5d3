"""An actor process of a split run: acts with the newest weights it pulled from the
server's variable table and writes experience to the server (binaries/actor.py runs it)."""
import threading
import time
from typing import Optional

import gin
import numpy as np
import reverb
import tensorflow as tf

from tfrainbow import builders, envs, specs
from tfrainbow.builders import VARIABLE_TABLE
from tfrainbow.distributed.connection import ServerWatch, wait_for_server
from tfrainbow.errors import ConfigError

PULL_ERRORS = (RuntimeError, reverb.errors.DeadlineExceededError, tf.errors.OpError)


@gin.configurable
class RemoteActor:
    """Acts for `agent_kind` ('rainbow' or 'impala') against the server at reverb_address.
    Its envs (`envs_per_actor`) and weight pulls (`pull_period`) are the agent's config's:
    ReplayConfig for Rainbow, UnrollConfig for IMPALA.

    Args:
      actor_id: offsets the seed, names the log lines.
      max_env_steps: stop after this many env steps of this actor (None: until stopped).
      connect_timeout_s: how long to retry (with backoff) reaching the server at start.
      log_interval_s: seconds between progress lines.
      num_envs, pull_period: old names, refused with the new binding.
    """

    def __init__(self, agent_kind: str, reverb_address: str, actor_id: int = 0,
                 max_env_steps: Optional[int] = None, seed: int = 0,
                 connect_timeout_s: float = 600.0, log_interval_s: float = 30.0, log=print,
                 num_envs: Optional[int] = None, pull_period: Optional[int] = None):
        self.builder = builders.builder_for(agent_kind)
        config = type(self.builder.config).__name__
        for old, new, value in (("num_envs", "envs_per_actor", num_envs),
                                ("pull_period", "pull_period", pull_period)):
            if value is not None:
                raise ConfigError(f"RemoteActor.{old} is now {config}.{new} (one home for the "
                                  f"one-process and split runs): bind {config}.{new} = "
                                  f"{value} instead.")
        self.address, self.actor_id = reverb_address, actor_id
        self.num_envs = self.builder.envs_per_actor
        self.max_env_steps, self.seed = max_env_steps, seed + 1000 * actor_id
        self.connect_timeout_s, self.log_interval_s = connect_timeout_s, log_interval_s
        self.log = lambda text: log(f"actor {actor_id}: {text}")
        self.actor = None
        self._last_log, self._last_steps = time.monotonic(), 0

    def run(self, stop: threading.Event) -> dict:
        """Acts until `stop` is set or max_env_steps; returns the counts."""
        tf.random.set_seed(self.seed)
        env = envs.make_vector_env(self.num_envs)
        agent = self.builder.make_agent(specs.specs_from_env(env))
        client = wait_for_server(self.address, self.connect_timeout_s, self.builder.table_names,
                                 stop.is_set, self.log)
        watch = ServerWatch(client, self.address, log=self.log).start()
        limit = self.max_env_steps

        def should_stop():
            return stop.is_set() or (limit is not None and actor.env_steps >= limit)

        actor = self.actor = self.builder.make_actor(
            env, agent, client, self.builder.make_state(), should_stop, self.seed,
            subscribe=True)
        actor.pull = self._tolerant(actor.pull, watch)
        try:
            if self._wait_for_weights(client, stop):
                actor.run(on_steps=lambda n: self._report())
        finally:
            watch.close()
            if watch.up.is_set():
                actor.close()
        return {"actor_id": self.actor_id, "env_steps": actor.env_steps,
                "episodes": actor.episodes, "weights_version": actor.version}

    def _tolerant(self, pull, watch):
        """`pull`, skipped while the server is away and retried at the next pull (the watch
        says why); the version acting stays the last one pulled."""
        def tolerant_pull():
            if watch.up.is_set():
                try:
                    return pull()
                except PULL_ERRORS:
                    pass
            return self.actor.version
        return tolerant_pull

    def _wait_for_weights(self, client, stop):
        said = False
        while not stop.is_set():
            try:
                if client.server_info(timeout=5)[VARIABLE_TABLE].current_size > 0:
                    return True
            except PULL_ERRORS:
                pass
            if not said:
                self.log("waiting for the learner's first weights.")
                said = True
            stop.wait(1.0)
        return False

    def _report(self):
        now, actor = time.monotonic(), self.actor
        if now - self._last_log < self.log_interval_s:
            return
        rate = (actor.env_steps - self._last_steps) / max(now - self._last_log, 1e-9)
        recent = f"{np.mean(actor.episode_returns):.1f}" if actor.episode_returns else "-"
        self.log(f"{actor.env_steps:,} env steps, {actor.episodes:,} episodes, recent return "
                 f"{recent}, {rate:,.0f} env steps/s, weights of update {actor.version:,}.")
        self._last_log, self._last_steps = now, actor.env_steps
