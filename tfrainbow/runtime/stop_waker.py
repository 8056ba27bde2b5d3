"""StopWaker: SIGINT/SIGTERM reach a main thread blocked inside a TensorFlow call.

Python runs signal handlers in the main thread between bytecodes, so a split learner whose
compiled step waits in Reverb's sampler for a server that is gone (Reverb retries without
end) never sees SIGTERM: it ran until SIGKILL and lost everything since its last
checkpoint. The C-level handler still writes the signal's number to the wakeup fd
(`signal.set_wakeup_fd`); a thread reading it sets the run's stop event and, if a call made
under `cancellable()` is still running after `grace_s`, cancels it (TF's eager cancellation:
the call raises tf.errors.CancelledError). A call that is merely computing ends within the
grace and is never cut; a blocked one waits for data, so no update is cut in half. Some
Reverb ops ignore cancellation (a priority update to a lost server blocks without end, after
its update was applied): if the call is still running `grace_s` after the cancel, `on_stuck`
runs in this thread (the split learner saves its checkpoint there and ends the process).

TF keeps one active cancellation context per process, not per thread: use it where one
thread makes the calls (the split learner), not beside an actor thread.
"""
import contextlib
import signal
import socket
import threading
import time
from typing import Callable, Optional

from tensorflow.python.eager import cancellation

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopWaker:
    """A context (entered on the main thread) whose `cancellable()` calls a stop signal can
    cancel; `cancelled` says whether it did. Off the main thread, calls stay plain."""

    def __init__(self, stop: threading.Event, grace_s: float = 2.0,
                 on_stuck: Optional[Callable[[], None]] = None):
        self.stop, self.grace_s, self.on_stuck = stop, float(grace_s), on_stuck
        # One manager per call: TF cancels a call's manager itself when one of its ops fails
        # (a lost server), and a cancelled manager fails every later call made under it.
        self._manager: Optional[cancellation.CancellationManager] = None
        self._call_started: Optional[float] = None  # monotonic start of the call in flight
        self._thread, self._previous_fd, self._sockets = None, None, None
        self.cancelled = False

    def __enter__(self):
        if threading.current_thread() is not threading.main_thread():
            return self  # set_wakeup_fd is the main thread's; calls stay plain
        reader, writer = socket.socketpair()
        writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        self._sockets = (reader, writer)
        self._thread = threading.Thread(target=self._watch, name="stop-waker", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        if self._sockets is not None:
            signal.set_wakeup_fd(self._previous_fd)
            for s in self._sockets:
                s.close()  # the reader's recv returns: the thread ends
            self._thread.join(timeout=5)
            self._sockets = None

    @contextlib.contextmanager
    def cancellable(self):
        """A context for one call that a stop signal may cancel after grace_s."""
        if self._sockets is None:  # not entered, or off the main thread: nothing watches
            yield
            return
        self._manager = cancellation.CancellationManager()
        self._call_started = time.monotonic()
        try:
            with cancellation.CancellationManagerContext(self._manager):
                yield
        finally:
            self._call_started, self._manager = None, None

    def _watch(self):
        reader = self._sockets[0]
        while True:
            try:
                data = reader.recv(64)
            except OSError:
                return
            if not data:
                return
            if not any(b in STOP_SIGNALS for b in data):
                continue
            signalled = time.monotonic()
            self.stop.set()  # the Python handler says so once the main thread is free
            if not self._still_running(signalled, signalled + self.grace_s):
                continue
            manager = self._manager
            if manager is not None:
                self.cancelled = True
                manager.start_cancel()
            if (self._still_running(signalled, time.monotonic() + self.grace_s)
                    and self.on_stuck is not None):
                self.on_stuck()

    def _still_running(self, signalled: float, deadline: float) -> bool:
        """Whether a call started before `signalled` is still running at `deadline`."""
        while True:
            started = self._call_started
            if started is None or started > signalled:
                return False
            if time.monotonic() >= deadline:
                return True
            time.sleep(0.05)

