"""Pieces both training runs share: the run directory, the Reverb connection, counters
that a resumed run continues from, and graceful stop signals."""
import os
import signal
import threading

import reverb
import tensorflow as tf

from tfrainbow.errors import ReverbUnavailableError, RootDirError, first_line


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


def connect(address: str, timeout_s: int = 10) -> reverb.Client:
    """A client to a Reverb server that answered within `timeout_s`, else one clear error."""
    client = reverb.Client(address)
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


def install_stop_signals(stop: threading.Event) -> dict:
    """SIGINT/SIGTERM ask the run to checkpoint and exit; a second SIGINT interrupts.
    Returns the previous handlers (to restore), empty off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum, frame):
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        print(f"\nReceived {signal.Signals(signum).name}: checkpointing and stopping.",
              flush=True)
        stop.set()

    return {signum: signal.signal(signum, handler) for signum in (signal.SIGINT,
                                                                  signal.SIGTERM)}
