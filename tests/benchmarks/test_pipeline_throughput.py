"""benchmarks/pipeline_throughput.py keeps working as the run loop changes (make bench is not
run by CI): the parts it times run on a real Reverb server with the shipped config's own
replay settings and the bindings given on top."""
import gin

from benchmarks import pipeline_throughput


def test_rainbow_parts_time_the_actor_and_the_learner_alone():
    try:
        rows = pipeline_throughput.rainbow_parts("cartpole", 300, 8,
                                                 ["ReplayConfig.envs_per_actor = 2"])
    finally:
        gin.clear_config()
    assert rows["updates_per_call"] == 4 and rows["updates_per_env_step"] == 1.0  # cartpole.gin
    assert rows["envs"] == 2  # the binding on top
    assert rows["actor_alone_env_steps_per_s"] > 0 and rows["learner_alone_updates_per_s"] > 0
