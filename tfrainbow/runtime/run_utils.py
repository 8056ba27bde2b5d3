"""Pieces both training runs share: the run directory, the Reverb connection, counters
that a resumed run continues from (graceful stop signals: tfrainbow/system/signals.py)."""
import json
import os
from typing import Optional

import reverb
import tensorflow as tf

from tfrainbow.errors import (CheckpointMismatchError, ConfigError, ReverbUnavailableError,
                              RootDirError, first_line)


def writable_root_dir(root_dir: str) -> str:
    """The absolute run directory, created; one clear error when it cannot be written."""
    root_dir = os.path.abspath(root_dir)
    try:
        os.makedirs(root_dir, exist_ok=True)
        probe = os.path.join(root_dir, ".write_test")
        with open(probe, "w") as f:
            f.write("ok")
        os.remove(probe)
    except OSError as error:
        raise RootDirError(f"Cannot write to --root_dir {root_dir} ({error.strerror}): choose "
                           "a directory you can write to.") from None
    return root_dir


def check_address(address: str) -> str:
    """`address` if it reads HOST:PORT with a port number, else one clear error (not a
    retry loop against an address that can never answer)."""
    host, _, port = (address or "").rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"Bad Reverb address {address!r}: expected HOST:PORT with a port "
                          "number (1-65535), e.g. --reverb_address=localhost:8000.")
    return address


def connect(address: str, timeout_s: int = 10) -> reverb.Client:
    """A client to a Reverb server that answered within `timeout_s`, else one clear error."""
    client = reverb.Client(check_address(address))
    try:
        client.server_info(timeout=timeout_s)
    except (reverb.errors.DeadlineExceededError, RuntimeError) as error:
        raise ReverbUnavailableError(
            f"No Reverb server answered at {address} within {timeout_s} s "
            f"({first_line(error)[:120]}): start it first or fix --reverb_address.") from None
    return client


class RunState(tf.Module):
    """Counters that a resumed run continues from."""

    def __init__(self):
        super().__init__(name="run_state")
        self.env_steps = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.episodes = tf.Variable(0, dtype=tf.int64, trainable=False)


def restore_latest(checkpoint: tf.train.Checkpoint, manager: tf.train.CheckpointManager,
                   root_dir: str):
    """Restores the latest checkpoint, if any; one clear error when it does not match the
    objects configured now (a different network, say). Nothing is written."""
    latest = manager.latest_checkpoint
    if not latest:
        return
    try:
        checkpoint.restore(latest).assert_existing_objects_matched()
    except (AssertionError, ValueError, tf.errors.OpError) as error:
        raise CheckpointMismatchError(
            f"The checkpoint {latest} does not match the network configured now "
            f"({first_line(error)[:200]}): resume with the run's own config "
            f"(--gin_file={root_dir}/config.gin) or use a new --root_dir.") from None


def write_results(root_dir: str, results: dict) -> dict:
    """Writes root_dir/results.json and returns the results."""
    with open(os.path.join(root_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    return results


def steady_rate(first, last, index: int, scale: float = 1.0) -> Optional[float]:
    """Per second between two marks (time, count, ...) of a run, e.g. its first and last
    update: (last[index] - first[index]) * scale / elapsed; None unless time passed (start-up
    before the first mark and shutdown after the last stay out of the rate)."""
    if first is None or last is None or last[0] <= first[0]:
        return None
    return round((last[index] - first[index]) * scale / (last[0] - first[0]), 1)


def optimizer_settings(agent) -> dict:
    """The agent's optimizer hyper-parameters that a checkpoint also holds (the learning
    rate: Keras keeps it in a variable), as configured now."""
    optimizer = getattr(agent, "optimizer", None)
    if isinstance(getattr(optimizer, "_learning_rate", None),
                  tf.keras.optimizers.schedules.LearningRateSchedule):
        return {}  # a schedule: it follows the restored step
    rate = getattr(optimizer, "learning_rate", None)
    if isinstance(rate, tf.Variable):
        return {"learning_rate": float(rate.numpy())}
    return {}


def restore_optimizer_settings(agent, configured: dict) -> dict:
    """Puts the configured settings back after a restore; returns {name: (restored,
    configured)} for those that differed."""
    changed = {}
    for name, value in configured.items():
        variable = getattr(agent.optimizer, name)
        restored = float(variable.numpy())
        if restored != value:
            variable.assign(value)
            changed[name] = (restored, value)
    return changed


def describe_changes(changed: dict) -> str:
    """'; learning rate 0.001 from the config (the checkpoint had 0.01)' ('' if none)."""
    return "".join(f"; {name.replace('_', ' ')} {new:g} from the config (the checkpoint had "
                   f"{old:g})" for name, (old, new) in changed.items())
