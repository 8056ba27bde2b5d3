"""RemoteActor's env count: IMPALA actors are as wide as the server's unroll items."""
import pytest

from tfrainbow.errors import ConfigError
from tfrainbow.runtime.remote_actor import RemoteActor


@pytest.mark.parametrize("kind, num_envs, expected", [
    ("rainbow", None, 1), ("rainbow", 3, 3),
    ("impala", None, 8), ("impala", 8, 8),  # UnrollConfig.envs_per_actor's default
])
def test_num_envs(kind, num_envs, expected):
    assert RemoteActor(kind, "localhost:1", num_envs=num_envs).num_envs == expected


def test_an_impala_actor_narrower_than_the_items_is_refused():
    with pytest.raises(ConfigError, match="UnrollConfig.envs_per_actor = 8"):
        RemoteActor("impala", "localhost:1", num_envs=4)
