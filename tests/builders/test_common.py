"""builders: a bf16 request on hardware that would emulate it is told once, with the fix."""
import multiprocessing

import gymnasium as gym
import tensorflow as tf

from tests.runtime import tiny_run
from tfrainbow import specs
from tfrainbow.networks.precision import cpu_has_bf16
from tfrainbow import builders


def test_emulated_bf16_warns_once_per_process(monkeypatch, capsys):
    monkeypatch.setattr(builders.common, "_warned_bf16", [])  # as in a fresh process
    tiny_run.configure("ActorCriticNetwork.encoder = @MLPEncoder()",
                       "ImpalaAgent.optimizer = @tf.keras.optimizers.Adam()")
    env_specs = specs.specs_from_env(gym.make("CartPole-v1"))
    emulated = not cpu_has_bf16() and not tf.config.list_physical_devices("GPU")
    builders.build_rainbow_agent(env_specs, precision="float32")
    assert "bfloat16" not in capsys.readouterr().err
    builders.build_rainbow_agent(env_specs, precision="mixed_bfloat16")
    builders.build_impala_agent(env_specs, precision="mixed_bfloat16")
    warnings = [line for line in capsys.readouterr().err.splitlines() if "bfloat16" in line]
    assert len(warnings) == (1 if emulated else 0), warnings
    if emulated:
        assert warnings[0].startswith("warning: ") and "use 'float32'" in warnings[0]


def _warn_in_a_spawned_process():
    builders.warn_if_bf16_emulated("mixed_bfloat16")


def test_processes_a_run_spawns_leave_the_warning_to_their_parent(capfd):
    process = multiprocessing.get_context("spawn").Process(target=_warn_in_a_spawned_process)
    process.start()
    process.join(120)
    assert process.exitcode == 0
    assert "bfloat16" not in capfd.readouterr().err


def test_numeric_knobs_refuse_other_types_with_one_line():
    import pytest

    from tfrainbow.errors import ConfigError

    with pytest.raises(ConfigError, match="UnrollConfig.unroll_length must be a number"):
        builders.UnrollConfig(unroll_length="20")
    with pytest.raises(ConfigError, match="ReplayConfig.gamma must be a number, got True"):
        builders.ReplayConfig(gamma=True)
    assert builders.ReplayConfig(gamma=1, error_buffer=None).gamma == 1.0  # ints are numbers
