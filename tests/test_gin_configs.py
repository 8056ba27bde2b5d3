"""Every shipped gin file parses, binds, builds an agent, and sets the values that matter."""
import pathlib

import gin
import pytest
import tensorflow as tf

from tfrainbow import envs, specs
from tfrainbow import builders
from tfrainbow.builders import UnrollConfig
from tfrainbow.policies.q_policies import EpsilonGreedyPolicy
from tfrainbow.runtime import train_impala, train_rainbow  # noqa: F401  (gin registrations)

GIN_DIR = pathlib.Path(__file__).resolve().parents[1] / "gin"
SHIPPED = sorted(str(p.relative_to(GIN_DIR)) for p in GIN_DIR.rglob("*.gin"))

# What each file must set, read off the built objects (as Dopamine's config tests do).
EXPECTED = {
    "rainbow/cartpole.gin": {
        "env_id": "CartPole-v1", "num_atoms": 51, "v_min": 0.0, "v_max": 100.0,
        "dueling": True, "noisy": True, "distributional": True, "sigma0": 0.5,
        "gamma": 0.99, "n_step": 3, "double": True, "target_update_period": 100,
        "learning_rate": 1e-3, "adam_epsilon": 1.5e-4, "optimizer": "FusedAdam",
        "prioritized": True, "priority_exponent": 0.5, "batch_size": 128, "max_size": 10000,
        "min_size": 1000,
        "target_return": 475.0, "eval_episodes": 10, "updates_per_call": 4,
        "precision": "float32", "shared_hidden": False, "jit_compile_actor": True,
        "envs_per_actor": 1,
    },
    "rainbow/atari.gin": {
        "env_id": "ALE/Pong-v5", "num_atoms": 51, "v_min": -10.0, "v_max": 10.0,
        "dueling": True, "noisy": True, "distributional": True, "sigma0": 0.5,
        "gamma": 0.99, "n_step": 3, "double": True, "target_update_period": 2000,
        "learning_rate": 6.25e-5, "adam_epsilon": 1.5e-4, "optimizer": "FusedAdam",
        "prioritized": True,
        "priority_exponent": 0.5, "batch_size": 32, "max_size": 1000000, "min_size": 20000,
        "updates_per_transition": 0.25, "importance_exponent": 0.4, "clip_rewards": True,
        "hidden_units": (512,), "frame_stack": 4, "precision": "float32",
        "shared_hidden": False, "jit_compile_actor": False, "envs_per_actor": 8,
    },
    "rainbow/atari100k.gin": {
        "env_id": "ALE/Pong-v5", "n_step": 20, "target_update_period": 2000,
        "learning_rate": 1e-4, "adam_epsilon": 1.5e-4, "optimizer": "FusedAdam", "sigma0": 0.1,
        "min_size": 1600,
        "updates_per_transition": 1.0, "hidden_units": (256,), "batch_size": 32,
        "num_atoms": 51, "v_min": -10.0, "v_max": 10.0, "clip_rewards": True,
        "max_env_steps": 100000, "frame_stack": 4, "envs_per_actor": 1,
        "collect_epsilon": 0.01, "eval_epsilon": 0.001,
    },
    "rainbow/minatar.gin": {
        "env_id": "MinAtar/Breakout-v0", "num_atoms": 51, "v_min": -100.0, "v_max": 100.0,
        "dueling": True, "noisy": True, "distributional": True, "sigma0": 0.5,
        "gamma": 0.99, "n_step": 3, "double": True, "target_update_period": 250,
        "learning_rate": 1e-4, "adam_epsilon": 3.125e-4, "optimizer": "FusedAdam",
        "prioritized": True, "priority_exponent": 0.5, "importance_exponent": 0.5,
        "importance_final_exponent": 0.5, "batch_size": 32, "max_size": 100000,
        "min_size": 1000, "updates_per_transition": 0.25, "hidden_units": (),
        "encoder": "ConvEncoder", "conv": ((16,), (3,), (1,), "same", ()),
        "envs_per_actor": 1, "precision": "float32", "jit_compile_actor": True,
        "collect_epsilon": 0.01, "eval_epsilon": 0.001,
    },
    "impala/cartpole.gin": {
        "env_id": "CartPole-v1", "unroll_length": 20, "batch_size": 32, "num_actors": 2,
        "discount": 0.99, "baseline_cost": 0.5, "entropy_cost": 0.01,
        "max_gradient_norm": 40.0, "reward_clipping": None, "target_return": 475.0,
        "encoder": "MLPEncoder", "optimizer": "FusedAdam", "learning_rate": 1e-3,
        "greedy_evaluation": False,
    },
    "impala/minatar.gin": {
        "env_id": "MinAtar/Breakout-v0", "unroll_length": 20, "batch_size": 16,
        "num_actors": 2, "envs_per_actor": 16, "discount": 0.99, "baseline_cost": 0.5,
        "entropy_cost": 0.01, "max_gradient_norm": 40.0, "reward_clipping": None,
        "encoder": "ConvEncoder", "conv": ((16,), (3,), (1,), "same", (128,)),
        "optimizer": "FusedAdam", "learning_rate": 2e-3, "decay_updates": 31250,
        "learning_rate_end": 0.0, "greedy_evaluation": False, "lstm_units": None,
        "max_env_steps": 10000000,
    },
    "impala/atari.gin": {
        "env_id": "ALE/Pong-v5", "unroll_length": 20, "batch_size": 32, "num_actors": None,
        "discount": 0.99, "baseline_cost": 0.5, "entropy_cost": 0.01,
        "max_gradient_norm": 40.0, "reward_clipping": "abs_one", "learning_rate": 6e-4,
        "optimizer_epsilon": 0.01, "rmsprop_rho": 0.99, "encoder": "ImpalaResNet",
        "optimizer": "ReferenceRMSProp", "decay_updates": 78125, "learning_rate_end": 0.0,
        "greedy_evaluation": False,
    },
    "rainbow/acrobot.gin": {
        "env_id": "Acrobot-v1", "num_atoms": 51, "v_min": -100.0, "v_max": 0.0,
        "dueling": True, "noisy": True, "distributional": True, "gamma": 0.99, "n_step": 3,
        "double": True, "prioritized": True, "batch_size": 128, "target_return": -100.0,
    },
}


@pytest.fixture(autouse=True)
def _clean_gin():
    gin.clear_config()
    gin.add_config_file_search_path(str(GIN_DIR.parent))  # includes name repository paths
    yield
    gin.clear_config()


def test_every_shipped_gin_file_has_expectations():
    assert SHIPPED and set(SHIPPED) == set(EXPECTED)


def built_values(agent, env):
    net, replay = agent.network, builders.ReplayConfig()
    trainer = gin.get_bindings("RainbowTrainer")
    return {
        "prioritized": replay.prioritized, "priority_exponent": replay.priority_exponent,
        "batch_size": replay.batch_size, "max_size": replay.max_size,
        "min_size": replay.min_size, "target_return": trainer.get("target_return"),
        "eval_episodes": trainer.get("eval_episodes"),
        "max_env_steps": trainer.get("max_env_steps"),
        "updates_per_transition": replay.updates_per_transition,
        "importance_exponent": replay.importance_exponent, "clip_rewards": replay.clip_rewards,
        "importance_final_exponent": replay.importance_final_exponent,
        "encoder": type(net.encoder).__name__,
        "conv": _conv(net.encoder),
        "frame_stack": replay.frame_stack, "updates_per_call": replay.updates_per_call,
        "hidden_units": net._config["hidden_units"],
        "shared_hidden": net._config["shared_hidden"], "precision": net.dtype_policy.name,
        "jit_compile_actor": agent.collect_policy.jit_compile,
        "env_id": env.spec.id, "num_atoms": net.num_atoms,
        "v_min": float(net.support[0]), "v_max": float(net.support[-1]),
        "dueling": net.dueling, "noisy": net.noisy, "distributional": net.distributional,
        "sigma0": net._config["sigma0"], "gamma": replay.gamma, "n_step": replay.n_step,
        "envs_per_actor": replay.envs_per_actor,
        "double": agent.double, "target_update_period": agent.target_update_period,
        "learning_rate": float(agent.optimizer.learning_rate),
        "adam_epsilon": agent.optimizer.epsilon, "optimizer": type(agent.optimizer).__name__,
        # The collect policy's random-action probability now (0: the noise alone explores).
        "collect_epsilon": (float(agent.collect_policy.epsilon())
                            if isinstance(agent.collect_policy, EpsilonGreedyPolicy) else 0.0),
        "eval_epsilon": trainer.get("eval_epsilon", 0.0),
    }


def _conv(encoder):
    """A ConvEncoder's layout (None elsewhere)."""
    return tuple(getattr(encoder, k, None) for k in (
        "filters", "kernel_sizes", "strides", "padding", "hidden_units"))


def _initial_rate(optimizer):
    rate = optimizer._learning_rate  # a variable, or a schedule (its value at step 0)
    return float(rate(0) if callable(rate) and not isinstance(rate, tf.Variable) else rate)


def impala_values(agent, env):
    trainer = gin.get_bindings("ImpalaTrainer")
    transport = UnrollConfig()
    return {"env_id": env.spec.id, "unroll_length": transport.unroll_length,
            "batch_size": transport.batch_size, "num_actors": trainer.get("num_actors"),
            "target_return": trainer.get("target_return"), "discount": agent.discount,
            "baseline_cost": agent.baseline_cost, "entropy_cost": agent.entropy_cost,
            "max_gradient_norm": agent.max_gradient_norm,
            "reward_clipping": agent.reward_clipping,
            "learning_rate": _initial_rate(agent.optimizer),
            "decay_updates": getattr(agent.optimizer._learning_rate, "decay_steps", None),
            "learning_rate_end": getattr(agent.optimizer._learning_rate,
                                         "end_learning_rate", None),
            "optimizer_epsilon": agent.optimizer.epsilon,
            "rmsprop_rho": getattr(agent.optimizer, "rho", None),
            "optimizer": type(agent.optimizer).__name__,
            "encoder": type(agent.network.encoder).__name__,
            "conv": _conv(agent.network.encoder), "envs_per_actor": transport.envs_per_actor,
            "lstm_units": agent.network.lstm_units,
            "max_env_steps": trainer.get("max_env_steps"),
            "greedy_evaluation": agent.policy.kind == "greedy"}


@pytest.mark.parametrize("name", SHIPPED)
def test_gin_file_parses_binds_and_sets_its_values(name):
    gin.parse_config_files_and_bindings([str(GIN_DIR / name)], [])
    env = envs.make_env()
    if name.startswith("impala/"):
        got = impala_values(builders.build_impala_agent(specs.specs_from_env(env)), env)
    else:
        got = built_values(builders.build_rainbow_agent(specs.specs_from_env(env)), env)
    for key, expected in EXPECTED[name].items():
        assert got[key] == (expected if expected is None or isinstance(expected, (str, tuple))
                            else pytest.approx(expected)), key
    env.close()


def test_impala_minatar_reports_of_the_old_rate_rebuild_it_with_one_binding():
    # minatar_impala_{lr5e4,batch32,batch8,lstm,entropy*,asterix_rerun}.json were trained at
    # minatar.gin's constant Adam 5e-4 of before 2026-12-07; their commands bind it back.
    gin.parse_config_files_and_bindings([str(GIN_DIR / "impala/minatar.gin")],
                                        ["FusedAdam.learning_rate = 5e-4"])
    env = envs.make_env()
    agent = builders.build_impala_agent(specs.specs_from_env(env))
    assert isinstance(agent.optimizer._learning_rate, tf.Variable)  # not a schedule
    assert float(agent.optimizer._learning_rate) == pytest.approx(5e-4)
    env.close()


@pytest.mark.parametrize("name", [n for n in SHIPPED if n.startswith("rainbow/")])
def test_each_component_switches_off_with_one_binding(name):
    off = ["RainbowAgent.double = False", "ReplayConfig.n_step = 1",
           "RainbowNetwork.dueling = False", "RainbowNetwork.noisy = False",
           "RainbowNetwork.distributional = False", "ReplayConfig.prioritized = False"]
    gin.parse_config_files_and_bindings([str(GIN_DIR / name)], off)
    env = envs.make_env()
    agent = builders.build_rainbow_agent(specs.specs_from_env(env))
    net = agent.network
    replay = builders.ReplayConfig()
    assert (agent.double, replay.n_step, net.dueling, net.noisy, net.distributional,
            replay.prioritized) == (False, 1, False, False, False, False)
    env.close()


def test_a_misspelt_binding_is_rejected():
    with pytest.raises(ValueError, match="num_atom"):
        gin.parse_config_files_and_bindings([str(GIN_DIR / "rainbow/cartpole.gin")],
                                            ["RainbowNetwork.num_atom = 3"])


def test_one_binding_turns_on_bf16_mixed_precision():
    gin.parse_config_files_and_bindings(
        [str(GIN_DIR / "rainbow/cartpole.gin")],
        ["build_rainbow_agent.precision = 'mixed_bfloat16'"])
    env = envs.make_env()
    agent = builders.build_rainbow_agent(specs.specs_from_env(env))
    for net in (agent.network, agent.target_network):
        assert net.head.compute_dtype == net.encoder.compute_dtype == "bfloat16"
        assert all(v.dtype == "float32" for v in net.variables)
    env.close()
