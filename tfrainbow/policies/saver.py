"""Exports a policy as a SavedModel whose serving signature `action` maps observations to
actions; loading it needs TensorFlow only."""
import os
import shutil

import tensorflow as tf

from tfrainbow.errors import MissingRunError


def export_policy(policy, path: str) -> str:
    """Writes `policy` (with an `action` tf.function over a batch of observations) to `path`.

    The new model is written next to `path` and moved in place only once complete, so a
    failed export never destroys the previous one.
    """
    signature = policy.action.input_signature[0]

    @tf.function(input_signature=[signature])
    def serve(observation):
        return {"action": policy.action(observation)}

    module = tf.Module()
    module.policy = policy
    module.action = policy.action
    path = os.path.abspath(path)
    staging = path + ".tmp"
    shutil.rmtree(staging, ignore_errors=True)
    tf.saved_model.save(module, staging, signatures={"action": serve})
    previous = path + ".old"
    shutil.rmtree(previous, ignore_errors=True)
    if os.path.exists(path):
        os.rename(path, previous)
    os.rename(staging, path)
    shutil.rmtree(previous, ignore_errors=True)
    return path


def load_policy(path: str):
    """(loaded module, action_fn): action_fn(observations [B, ...]) -> actions [B] numpy."""
    if not tf.saved_model.contains_saved_model(path):
        raise MissingRunError(f"No SavedModel at {path}: pass the policy/ directory of a run "
                              "(written by train_rainbow or export_policy).")
    loaded = tf.saved_model.load(path)
    serve = loaded.signatures["action"]

    def action_fn(observations):
        spec = serve.structured_input_signature[1]["observation"]
        return serve(observation=tf.constant(observations, spec.dtype))["action"].numpy()

    return loaded, action_fn
