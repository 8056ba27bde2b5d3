"""One builder per agent (Acme's design: make_agent, make_tables, make_learner, make_actor,
make_policy) and the one registry that names them; the one-process runs and every split
role build through these, never by testing the agent's name."""
from tfrainbow.builders.common import (REPLAY_TABLE, UNROLL_TABLE, VARIABLE_TABLE,  # noqa: F401
                                       warn_if_bf16_emulated)
from tfrainbow.builders.impala import ImpalaBuilder, UnrollConfig, build_impala_agent  # noqa
import json
import os

import tensorflow as tf

from tfrainbow.builders.rainbow import (RainbowBuilder, ReplayConfig,  # noqa: F401
                                        build_rainbow_agent, new_max_priority)
from tfrainbow.errors import CheckpointMismatchError, ConfigError, MissingRunError, first_line

REGISTRY = {"rainbow": RainbowBuilder, "impala": ImpalaBuilder}
AGENTS = tuple(REGISTRY)


def builder_for(agent_kind: str):
    """The builder of `agent_kind` ('rainbow' or 'impala'), configured by gin."""
    if agent_kind not in REGISTRY:
        raise ConfigError(f"Unknown agent {agent_kind!r}: choose one of {', '.join(AGENTS)}.")
    return REGISTRY[agent_kind]()


RUN_FILE = "run.json"  # in a run directory: {"agent": its builder's name}


def write_run_file(root_dir: str, builder):
    """Records which agent trains in root_dir (evaluate and export read it back)."""
    with open(os.path.join(root_dir, RUN_FILE), "w") as f:
        json.dump({"agent": builder.name}, f)


def builder_of_run(root_dir: str):
    """The builder of the agent that trained in root_dir (runs older than run.json were
    Rainbow's: the only agent whose runs binaries.evaluate could read then)."""
    try:
        with open(os.path.join(root_dir, RUN_FILE)) as f:
            return builder_for(json.load(f)["agent"])
    except FileNotFoundError:
        return builder_for("rainbow")


def restore_agent(root_dir: str, env_specs):
    """(builder, agent) of the run in root_dir, built from the parsed gin (the run's
    config.gin), with its latest checkpoint."""
    checkpoint_dir = os.path.join(root_dir, "checkpoints")
    latest = tf.train.latest_checkpoint(checkpoint_dir)
    if latest is None:
        raise MissingRunError(f"No checkpoint in {checkpoint_dir}: train first (binaries."
                              f"train_rainbow, train_impala or learner) with "
                              f"--root_dir={root_dir}.")
    builder = builder_of_run(root_dir)
    agent = builder.make_agent(env_specs)
    try:
        tf.train.Checkpoint(agent=agent).restore(latest).expect_partial() \
            .assert_existing_objects_matched()
    except (AssertionError, ValueError, tf.errors.OpError) as error:
        raise CheckpointMismatchError(
            f"The checkpoint {latest} does not match the {builder.name} network configured "
            f"now ({first_line(error)[:200]}): use the run's own config "
            f"(--gin_file={root_dir}/config.gin).") from None
    return builder, agent
