"""benchmarks/pipeline_throughput.py keeps working as the run loop changes (make bench is not
run by CI): the parts it times run on a real Reverb server with each shipped config's own
replay settings."""
import gin
import pytest

from benchmarks import pipeline_throughput


@pytest.fixture(autouse=True)
def clean_gin():
    yield
    gin.clear_config()


def test_rainbow_parts_time_the_actor_and_the_learner_alone():
    rows = pipeline_throughput.rainbow_parts("cartpole", 300, 8, [])
    assert rows["updates_per_call"] == 4 and rows["updates_per_env_step"] == 1.0  # cartpole.gin
    assert rows["actor_alone_env_steps_per_s"] > 0 and rows["learner_alone_updates_per_s"] > 0


def test_bindings_go_on_top_of_the_config():
    rows = pipeline_throughput.rainbow_parts(
        "minatar", 100, 1, ["ReplayConfig.envs_per_actor = 2", "ReplayConfig.min_size = 32"])
    assert rows["updates_per_call"] == 1 and rows["updates_per_env_step"] == 0.25
