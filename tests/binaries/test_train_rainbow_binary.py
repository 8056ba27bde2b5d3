"""The binaries as a user runs them: SIGTERM checkpoints, then export and evaluate read it."""
import json
import os
import pathlib
import queue
import signal
import subprocess
import sys
import threading
import time

import tensorflow as tf

from tests.runtime.tiny_run import TINY_BINDINGS

REPO = pathlib.Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def run_binary(name, *args, timeout=180):
    return subprocess.run([sys.executable, "-m", f"binaries.{name}", *args], cwd=REPO,
                          env=ENV, capture_output=True, text=True, timeout=timeout)


def test_sigterm_checkpoints_then_export_and_evaluate_work(tmp_path):
    bindings = TINY_BINDINGS + ["RainbowTrainer.max_env_steps = 1000000",
                                "RainbowTrainer.log_interval_s = 0.5"]
    process = subprocess.Popen(
        [sys.executable, "-m", "binaries.train_rainbow", f"--root_dir={tmp_path}"]
        + [f"--gin_bindings={b}" for b in bindings],
        cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in process.stdout], daemon=True).start()
    output, deadline = [], time.monotonic() + 180
    try:
        while time.monotonic() < deadline:  # wait until it has learned for a while
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            output.append(line)
            if "env steps" in line and "updates/s" in line and " 0 updates/s" not in line:
                break
        else:
            raise AssertionError("no training progress within 180 s:\n" + "".join(output))
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    time.sleep(0.5)
    while not lines.empty():
        output.append(lines.get())
    text = "".join(output)
    assert process.returncode == 0, text
    assert "Received SIGTERM: checkpointing and stopping." in text
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["interrupted"] is True and results["updates"] > 0
    latest = tf.train.latest_checkpoint(str(tmp_path / "checkpoints"))
    assert latest and latest.endswith(f"ckpt-{results['env_steps']}")
    assert any((tmp_path / "replay").iterdir())  # the Reverb checkpoint

    exported = run_binary("export_policy", f"--root_dir={tmp_path}",
                          f"--output_dir={tmp_path / 'exported'}")
    assert exported.returncode == 0, exported.stderr
    assert f"after {results['updates']:,} updates" in exported.stdout
    for source in (f"--root_dir={tmp_path}", f"--policy_dir={tmp_path / 'exported'}"):
        evaluated = run_binary("evaluate", source, "--num_episodes=2")
        assert evaluated.returncode == 0, evaluated.stderr
        assert "mean return" in evaluated.stdout and "over 2 episodes" in evaluated.stdout
