"""RemoteActor's env count and weight pulls come from the agent's one config: IMPALA actors
are as wide as the server's unroll items; the old bindings are refused with the new one."""
import gin
import pytest

from tfrainbow import builders  # noqa: F401  (gin registrations)
from tfrainbow.distributed.actor import RemoteActor
from tfrainbow.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_gin():
    gin.clear_config()
    yield
    gin.clear_config()


@pytest.mark.parametrize("kind, bindings, expected", [
    ("rainbow", [], 1), ("rainbow", ["ReplayConfig.envs_per_actor = 3"], 3),
    ("impala", [], 8),  # UnrollConfig.envs_per_actor's default
    ("impala", ["UnrollConfig.envs_per_actor = 4"], 4),
])
def test_num_envs(kind, bindings, expected):
    gin.parse_config_files_and_bindings([], bindings)
    assert RemoteActor(kind, "localhost:1").num_envs == expected


@pytest.mark.parametrize("kind, old, new", [
    ("rainbow", dict(num_envs=4), "ReplayConfig.envs_per_actor = 4"),
    ("impala", dict(num_envs=4), "UnrollConfig.envs_per_actor = 4"),
    ("rainbow", dict(pull_period=20), "ReplayConfig.pull_period = 20"),
    ("impala", dict(pull_period=2), "UnrollConfig.pull_period = 2"),
])
def test_the_old_bindings_name_the_new_one(kind, old, new):
    with pytest.raises(ConfigError, match=new):
        RemoteActor(kind, "localhost:1", **old)
