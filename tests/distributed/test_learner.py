"""RemoteLearner's progress line while the Reverb server is away: a line, not a crash."""
import socket
import time

import reverb
import tensorflow as tf

from tfrainbow import builders
from tfrainbow.distributed.learner import RemoteLearner
from tfrainbow.runtime.learners import Learner


def test_progress_line_survives_an_unreachable_server(tmp_path):
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lines = []
    learner = RemoteLearner.__new__(RemoteLearner)  # only what progress_line reads
    learner.agent = type("Agent", (), {"train_step": tf.Variable(120, dtype=tf.int64)})()
    learner.builder = builders.builder_for("rainbow")
    learner.learner = Learner.__new__(Learner)
    learner.client = reverb.Client(f"localhost:{port}")
    learner.log = lambda text: lines.append(f"learner: {text}")
    learner.summaries = tf.summary.create_file_writer(str(tmp_path))
    learner._last_line = (time.monotonic() - 2.0, 100)
    learner.progress_line(None)
    assert len(lines) == 1
    assert lines[0].startswith("learner: 120 updates, ")
    assert lines[0].endswith("updates/s, Reverb server unreachable.")
