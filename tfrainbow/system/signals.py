"""Graceful stop signals, without TensorFlow (the Ray launcher's driver imports only this)."""
import signal
import threading


def install_stop_signals(stop: threading.Event,
                         what: str = "checkpointing and stopping") -> dict:
    """SIGINT/SIGTERM ask the run to checkpoint and exit (`what` it says it does); a second
    SIGINT interrupts. Returns the previous handlers (to restore), empty off the main
    thread."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum, frame):
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        print(f"\nReceived {signal.Signals(signum).name}: {what}.",
              flush=True)
        stop.set()

    return {signum: signal.signal(signum, handler) for signum in (signal.SIGINT,
                                                                  signal.SIGTERM)}
