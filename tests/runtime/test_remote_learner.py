"""RemoteLearner's progress line while the Reverb server is away: a line, not a crash."""
import socket
import time

import reverb
import tensorflow as tf

from tfrainbow.runtime.remote_learner import RemoteLearner


def test_progress_line_survives_an_unreachable_server(tmp_path):
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lines = []
    learner = RemoteLearner.__new__(RemoteLearner)  # only what _log_line reads
    learner.agent = type("Agent", (), {"train_step": tf.Variable(120, dtype=tf.int64)})()
    learner.agent_kind, learner._lag = "rainbow", 0.0
    learner.client = reverb.Client(f"localhost:{port}")
    learner.log = lines.append
    learner.summaries = tf.summary.create_file_writer(str(tmp_path))
    learner._log_line((time.monotonic() - 2.0, 100), None)
    assert len(lines) == 1
    assert lines[0].startswith("learner: 120 updates, ")
    assert lines[0].endswith("updates/s, Reverb server unreachable.")
