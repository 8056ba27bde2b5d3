"""The README's Python examples run as written."""
import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def block_with(text):
    found = [b for b in BLOCKS if text in b]
    assert len(found) == 1, f"README should have one python example with {text!r}"
    return found[0]


def test_readme_api_example_runs():
    scope = {}
    exec(compile(block_with("RainbowAgent("), "README.md", "exec"), scope)  # noqa: S102
    assert scope["priorities"].shape == (32,)
    assert scope["actions"].shape == (32,)


def test_readme_saved_model_example_runs(tmp_path):
    import tensorflow as tf

    from tfrainbow.agents.rainbow import RainbowAgent
    from tfrainbow.networks.encoders import MLPEncoder
    from tfrainbow.networks.q_networks import RainbowNetwork
    from tfrainbow.policies.saver import export_policy
    from tfrainbow.specs import BoundedTensorSpec

    net = RainbowNetwork(MLPEncoder((8,)), num_actions=2, hidden_units=(8,))
    agent = RainbowAgent(tf.TensorSpec([4], tf.float32), BoundedTensorSpec((), tf.int64, 0, 1),
                         net, tf.keras.optimizers.Adam()).initialize()
    export_policy(agent.policy, str(tmp_path / "policy"))
    code = block_with("saved_model.load").replace("runs/cp/policy", str(tmp_path / "policy"))
    scope = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102
    np.testing.assert_array_equal(scope["actions"], agent.policy.action(tf.zeros([3, 4])))


DOCS = sorted((README.parent / "docs").glob("*.md"))


def test_docs_lstm_export_example_runs(tmp_path):
    """docs/impala.md's loading example, against a real LSTM export."""
    import tensorflow as tf

    from tfrainbow.networks.actor_critic import ActorCriticNetwork
    from tfrainbow.networks.encoders import MLPEncoder
    from tfrainbow.policies.actor_critic_policies import ActorCriticPolicy
    from tfrainbow.policies.saver import export_policy

    network = ActorCriticNetwork(MLPEncoder((8,)), 2, lstm_units=4)
    network.create_variables(tf.TensorSpec([4], tf.float32))
    policy = ActorCriticPolicy(network, tf.TensorSpec([4], tf.float32), sample=False)
    export_policy(policy, str(tmp_path / "policy"))
    blocks = re.findall(r"```python\n(.*?)```", (README.parent / "docs" / "impala.md").read_text(),
                        re.S)
    code = next(b for b in blocks if "initial_state" in b)
    scope = {}
    exec(compile(code.replace("runs/impala-lstm/policy", str(tmp_path / "policy")),  # noqa: S102
                 "docs/impala.md", "exec"), scope)
    state = policy.get_initial_state(1)
    for t in range(3):
        expected, state = policy.recurrent_action(tf.zeros([1, 4]), tf.constant([t == 0]), state)
    np.testing.assert_array_equal(scope["actions"], expected)
    np.testing.assert_allclose(scope["state"]["state_h"], state[0], rtol=1e-6)
