"""The entry point of one IMPALA actor process of the one-machine run (multiprocessing
'spawn'): it rebuilds the agent from the learner's gin config and acts."""
import os

from tfrainbow.runtime.impala_actor import UnrollReports
from tfrainbow.system import children


def actor_process(config: str, address: str, actor_id: int, seed: int, stop, env_steps,
                  episodes, writing=None):
    """Entry point of one actor process (multiprocessing 'spawn'): rebuilds the agent from
    the learner's gin config and acts until `stop` is set; reports back through
    `env_steps`, `episodes` and `writing` (see UnrollReports)."""
    children.die_with_parent()  # a killed learner (kill -9) leaves no actor behind
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from tfrainbow.system import quiet

    quiet.filter_reverb_info()
    import gin
    import tensorflow as tf

    from tfrainbow import builders, envs, specs
    from tfrainbow.runtime.run_utils import connect
    from tfrainbow.system import devices

    devices.cpu_only()
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.get_logger().setLevel("ERROR")
    # The learner parsed this config whole; what this process has not imported (the
    # trainer's own bindings) it does not use.
    gin.parse_config(config, skip_unknown=True)
    tf.random.set_seed(seed + actor_id)
    builder = builders.builder_for("impala")
    env = envs.make_vector_env(builder.envs_per_actor)
    agent = builder.make_agent(specs.specs_from_env(env))
    actor = builder.make_actor(env, agent, connect(address), builder.make_state(), stop.is_set,
                               seed=seed + 1000 * actor_id)
    reports = UnrollReports(builder.config.unroll_length * builder.envs_per_actor, env_steps,
                            episodes, writing)
    actor.run(reports.on_steps, reports.on_episode)
    reports.flush()
    actor.close()
