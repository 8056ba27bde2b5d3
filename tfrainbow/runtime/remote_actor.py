"""An actor process of a split run: acts with the newest weights it pulled from the
server's variable table and writes experience to the server (binaries/actor.py runs it)."""
import collections
import threading
import time
from typing import Optional

import gin
import numpy as np
import reverb
import tensorflow as tf

from tfrainbow import envs, specs
from tfrainbow.errors import ConfigError
from tfrainbow.replay import unrolls
from tfrainbow.runtime import builders
from tfrainbow.runtime.actor import Actor
from tfrainbow.runtime.builders import REPLAY_TABLE, UNROLL_TABLE, VARIABLE_TABLE
from tfrainbow.runtime.impala_actor import ImpalaActor
from tfrainbow.runtime.remote import ServerWatch, wait_for_server

PULL_ERRORS = (RuntimeError, reverb.errors.DeadlineExceededError, tf.errors.OpError)


@gin.configurable
class RemoteActor:
    """Acts for `agent_kind` ('rainbow' or 'impala') against the server at reverb_address.

    Args:
      actor_id: offsets the seed, names the log lines.
      num_envs: Rainbow: envs stepped side by side, one batched policy call per step
        (None: 1). IMPALA actors step UnrollConfig.envs_per_actor envs (the unroll items'
        width); setting num_envs to anything else is an error.
      pull_period: Rainbow: vector steps between weight pulls (IMPALA uses
        UnrollConfig.pull_period, in unrolls).
      max_env_steps: stop after this many env steps of this actor (None: until stopped).
      connect_timeout_s: how long to retry (with backoff) reaching the server at start.
      log_interval_s: seconds between progress lines.
    """

    def __init__(self, agent_kind: str, reverb_address: str, actor_id: int = 0,
                 num_envs: Optional[int] = None, pull_period: int = 100,
                 max_env_steps: Optional[int] = None, seed: int = 0,
                 connect_timeout_s: float = 600.0, log_interval_s: float = 30.0, log=print):
        self.agent_kind, self.address, self.actor_id = agent_kind, reverb_address, actor_id
        if agent_kind == "impala":
            envs_per_actor = builders.UnrollConfig().envs_per_actor
            if num_envs not in (None, envs_per_actor):
                raise ConfigError(f"IMPALA actors step UnrollConfig.envs_per_actor = "
                                  f"{envs_per_actor} envs (the width of an unroll item); set "
                                  f"that instead of RemoteActor.num_envs = {num_envs}.")
            num_envs = envs_per_actor
        self.num_envs, self.pull_period = int(num_envs or 1), int(pull_period)
        self.max_env_steps, self.seed = max_env_steps, seed + 1000 * actor_id
        self.connect_timeout_s, self.log_interval_s = connect_timeout_s, log_interval_s
        self.log = lambda text: log(f"actor {actor_id}: {text}")
        self.env_steps, self.episodes, self.version = 0, 0, -1
        self.returns = collections.deque(maxlen=100)
        self._last_log, self._last_steps = time.monotonic(), 0

    def run(self, stop: threading.Event) -> dict:
        """Acts until `stop` is set or max_env_steps; returns the counts."""
        tf.random.set_seed(self.seed)
        env = envs.make_vector_env(self.num_envs)
        env_specs = specs.specs_from_env(env)
        if self.agent_kind == "impala":
            self._run_impala(env, env_specs, stop)
        else:
            self._run_rainbow(env, env_specs, stop)
        return {"actor_id": self.actor_id, "env_steps": self.env_steps,
                "episodes": self.episodes, "weights_version": self.version}

    def _connect(self, tables, stop):
        client = wait_for_server(self.address, self.connect_timeout_s, tables, stop.is_set,
                                 self.log)
        return client, ServerWatch(client, self.address, log=self.log).start()

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
        now = time.monotonic()
        if now - self._last_log < self.log_interval_s:
            return
        rate = (self.env_steps - self._last_steps) / max(now - self._last_log, 1e-9)
        recent = f"{np.mean(self.returns):.1f}" if self.returns else "-"
        self.log(f"{self.env_steps:,} env steps, {self.episodes:,} episodes, recent return "
                 f"{recent}, {rate:,.0f} env steps/s, weights of update {self.version:,}.")
        self._last_log, self._last_steps = now, self.env_steps

    def _run_rainbow(self, env, env_specs, stop):
        agent = builders.build_rainbow_agent(env_specs)
        max_priority = builders.new_max_priority()
        variables = builders.published_variables(agent, max_priority)
        client, watch = self._connect([REPLAY_TABLE, VARIABLE_TABLE], stop)
        replay = builders.ReplayConfig()
        writers = [replay.writer(client, agent, lambda: float(max_priority.numpy()), stop.is_set)
                   for _ in range(self.num_envs)]
        actor = Actor(env, agent.collect_policy, writers, seed=self.seed)
        self.returns = actor.episode_returns  # the same deque: reports see it grow

        weights = unrolls.WeightsSubscriber(client, VARIABLE_TABLE, variables)

        def pull():
            try:
                self.version = weights.pull()
                agent.train_step.assign(self.version)  # the collect epsilon follows the learner
            except PULL_ERRORS:
                pass  # the watch says why; the next pull retries

        steps = 0

        def every_step():
            nonlocal steps
            if steps % self.pull_period == 0 and watch.up.is_set():
                pull()
            steps += 1
            self.env_steps, self.episodes = actor.env_steps, actor.episodes
            self._report()

        try:
            if self._wait_for_weights(client, stop):
                actor.run(stop.is_set, self.max_env_steps, every_step)
            self.env_steps, self.episodes = actor.env_steps, actor.episodes
        finally:
            watch.close()
            if watch.up.is_set():
                for writer in writers:
                    writer.close()

    def _run_impala(self, env, env_specs, stop):
        agent = builders.build_impala_agent(env_specs)
        transport = builders.UnrollConfig()
        client, watch = self._connect([UNROLL_TABLE, VARIABLE_TABLE], stop)
        limit = self.max_env_steps

        def should_stop():
            return stop.is_set() or (limit is not None and self.env_steps >= limit)

        actor = ImpalaActor(env, agent, client, transport.unroll_length, should_stop,
                            transport.pull_period, seed=self.seed)

        def on_steps(n):
            self.env_steps += n
            self.version = actor.version
            self._report()

        def on_episode(ret, length):
            self.returns.append(ret)
            self.episodes += 1

        try:
            if self._wait_for_weights(client, stop):
                actor.run(on_steps, on_episode)
        finally:
            watch.close()
            if watch.up.is_set():
                actor.writer.close()
