"""One builder per agent (Acme's design: make_agent, make_tables, make_learner, make_actor,
make_policy) and the one registry that names them; the one-process runs and every split
role build through these, never by testing the agent's name."""
from tfrainbow.builders.common import (REPLAY_TABLE, UNROLL_TABLE, VARIABLE_TABLE,  # noqa: F401
                                       warn_if_bf16_emulated)
from tfrainbow.builders.impala import ImpalaBuilder, UnrollConfig, build_impala_agent  # noqa
from tfrainbow.builders.rainbow import (RainbowBuilder, ReplayConfig,  # noqa: F401
                                        build_rainbow_agent, new_max_priority,
                                        restore_rainbow_agent)
from tfrainbow.errors import ConfigError

REGISTRY = {"rainbow": RainbowBuilder, "impala": ImpalaBuilder}
AGENTS = tuple(REGISTRY)


def builder_for(agent_kind: str):
    """The builder of `agent_kind` ('rainbow' or 'impala'), configured by gin."""
    if agent_kind not in REGISTRY:
        raise ConfigError(f"Unknown agent {agent_kind!r}: choose one of {', '.join(AGENTS)}.")
    return REGISTRY[agent_kind]()
