"""StopWaker: a stop signal reaches a main thread blocked in a compiled call. A real signal
(os.kill of this process) and real blocking TF ops: a queue's dequeue that no one feeds
(cancellable) and a py_function that sleeps (TF cannot cancel it: on_stuck runs)."""
import os
import signal
import threading
import time

import pytest
import tensorflow as tf

from tfrainbow.system.signals import install_stop_signals
from tfrainbow.runtime.stop_waker import StopWaker


@pytest.fixture
def stop():
    event = threading.Event()
    previous = install_stop_signals(event)
    yield event
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def sigterm_in(seconds):
    threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGTERM)).start()


def test_a_call_blocked_on_data_is_cancelled_after_the_grace(stop):
    queue = tf.queue.FIFOQueue(4, tf.float32)
    dequeue = tf.function(queue.dequeue)
    with StopWaker(stop, grace_s=0.5) as waker:
        sigterm_in(0.5)
        start = time.monotonic()
        with pytest.raises(tf.errors.CancelledError):
            with waker.cancellable():
                dequeue()
        waited = time.monotonic() - start
    assert stop.is_set() and waker.cancelled
    assert 0.9 <= waited < 5.0, waited  # the signal at 0.5 s, the grace of 0.5 s


def test_a_call_that_ends_within_the_grace_is_not_cut(stop):
    queue = tf.queue.FIFOQueue(4, tf.float32)
    dequeue = tf.function(queue.dequeue)
    with StopWaker(stop, grace_s=2.0) as waker:
        sigterm_in(0.3)
        threading.Timer(0.8, lambda: queue.enqueue(7.0)).start()  # data 0.5 s after it
        with waker.cancellable():
            assert float(dequeue()) == 7.0
        time.sleep(2.5)  # past the grace: nothing is cancelled later either
        assert stop.is_set() and not waker.cancelled
        with waker.cancellable():
            queue.enqueue(8.0)
            assert float(dequeue()) == 8.0


def test_a_call_that_ignores_cancellation_runs_on_stuck(stop):
    stuck = threading.Event()
    sleep = tf.function(lambda: tf.py_function(lambda: time.sleep(4.0) or 1.0, [], tf.float32))
    with StopWaker(stop, grace_s=0.5, on_stuck=stuck.set) as waker:
        sigterm_in(0.3)
        with waker.cancellable():
            try:
                sleep()
            except tf.errors.CancelledError:
                pass  # cancelled once the py_function returned
        assert stuck.is_set() and waker.cancelled


def test_off_the_main_thread_calls_stay_plain():
    box = {}

    def body():
        with StopWaker(threading.Event()) as waker:
            with waker.cancellable():
                box["value"] = float(tf.constant(2.0) * 3.0)
            box["sockets"] = waker._sockets

    thread = threading.Thread(target=body)
    thread.start()
    thread.join(30)
    assert box == {"value": 6.0, "sockets": None}


def test_a_call_that_fails_leaves_the_next_calls_working(stop):
    """TF cancels a failing call's own manager: the next call must not inherit it (a split
    learner's step fails while its server restarts, then trains on)."""
    queue = tf.queue.FIFOQueue(4, tf.float32)
    queue.close()
    dequeue = tf.function(queue.dequeue)
    double = tf.function(lambda x: x * 2.0)
    with StopWaker(stop) as waker:
        for _ in range(3):
            with pytest.raises(tf.errors.OutOfRangeError):
                with waker.cancellable():
                    dequeue()
            with waker.cancellable():
                assert float(double(tf.constant(2.0))) == 4.0
        assert not waker.cancelled
