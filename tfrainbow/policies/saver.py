"""Exports a policy as a SavedModel; loading it needs TensorFlow only.

A feedforward policy serves one signature, `action(observation) -> {action}`. A recurrent
one (an LSTM core) serves two, as TF-Agents' PolicySaver does: `initial_state(batch_size)
-> {state_h, state_c}`, and `action(observation, first, state_h, state_c) -> {action,
state_h, state_c}`, where `first` marks an episode's first observation (its state is
reset) and the returned state goes into the next call."""
import os
import shutil

import numpy as np
import tensorflow as tf

from tfrainbow.errors import MissingRunError
from tfrainbow.policies.recurrent import RecurrentActionFn


def _signatures(policy):
    """The serving signatures of `policy` (module-level functions, by name)."""
    if not getattr(policy, "recurrent", False):
        @tf.function(input_signature=policy.action.input_signature)
        def serve(observation):
            return {"action": policy.action(observation)}

        return {"action": serve}
    observation, first, state = policy.recurrent_action.input_signature
    names = [spec.name for spec in state]

    @tf.function(input_signature=[observation, first] + list(state))
    def serve_action(observation, first, *state):
        action, state = policy.recurrent_action(observation, first, tuple(state))
        return {"action": action, **dict(zip(names, state))}

    @tf.function(input_signature=[tf.TensorSpec([], tf.int32, name="batch_size")])
    def serve_initial_state(batch_size):
        return dict(zip(names, policy.get_initial_state(batch_size)))

    return {"action": serve_action, "initial_state": serve_initial_state}


def export_policy(policy, path: str) -> str:
    """Writes `policy` (an `action` tf.function over a batch of observations, or a
    recurrent policy's `recurrent_action` and `get_initial_state`) to `path`.

    The new model is written next to `path` and moved in place only once complete, so a
    failed export never destroys the previous one.
    """
    signatures = _signatures(policy)
    module = tf.Module()
    module.policy = policy
    if not getattr(policy, "recurrent", False):
        module.action = policy.action  # (a recurrent policy's stateless action would raise)
    path = os.path.abspath(path)
    staging = path + ".tmp"
    shutil.rmtree(staging, ignore_errors=True)
    tf.saved_model.save(module, staging, signatures=signatures)
    previous = path + ".old"
    shutil.rmtree(previous, ignore_errors=True)
    if os.path.exists(path):
        os.rename(path, previous)
    os.rename(staging, path)
    shutil.rmtree(previous, ignore_errors=True)
    return path


def load_policy(path: str):
    """(loaded module, action_fn): action_fn(observations [B, ...]) -> actions [B] numpy, or
    for a recurrent export a RecurrentActionFn (tfrainbow.policies.recurrent)."""
    if not tf.saved_model.contains_saved_model(path):
        raise MissingRunError(f"No SavedModel at {path}: pass the policy/ directory of a run "
                              "(written by train_rainbow or export_policy).")
    loaded = tf.saved_model.load(path)
    serve = loaded.signatures["action"]
    spec = serve.structured_input_signature[1]["observation"]
    if "initial_state" not in loaded.signatures:
        def action_fn(observations):
            return serve(observation=tf.constant(observations, spec.dtype))["action"].numpy()

        return loaded, action_fn
    initial = loaded.signatures["initial_state"]
    names = sorted(initial.structured_outputs)  # state_c, state_h: one fixed order

    def initial_state(n):
        out = initial(batch_size=tf.constant(n, tf.int32))
        return tuple(out[name].numpy() for name in names)

    def step(observations, first, state):
        out = serve(observation=tf.constant(observations, spec.dtype),
                    first=tf.constant(np.asarray(first, bool)),
                    **{name: tf.constant(s) for name, s in zip(names, state)})
        return out["action"].numpy(), tuple(out[name].numpy() for name in names)

    return loaded, RecurrentActionFn(initial_state, step)
