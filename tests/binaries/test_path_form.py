"""The binaries run the way people type them: `python binaries/NAME.py` (the path form, as
TF-Agents' examples show) from any directory, as well as `python -m binaries.NAME` from the
repository root; the shipped gin files are found by their repository paths either way."""
import ast
import json
import pathlib
import subprocess
import sys

import pytest

from tests.runtime.tiny_run import TINY_BINDINGS

REPO = pathlib.Path(__file__).resolve().parents[2]
BINARIES = sorted(p.stem for p in (REPO / "binaries").glob("*.py")
                  if p.stem not in ("__init__", "common"))


@pytest.mark.parametrize("name", BINARIES)
def test_every_binary_answers_help_by_path_from_another_directory(tmp_path, name):
    path = REPO / "binaries" / f"{name}.py"
    done = subprocess.run([sys.executable, str(path), "--helpfull"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]  # absl's help exits 1
    first_line = ast.get_docstring(ast.parse(path.read_text())).splitlines()[0]
    assert first_line in done.stdout and "--gin_bindings" in done.stdout


def test_train_rainbow_by_path_from_another_directory_with_a_shipped_gin_file(tmp_path):
    command = [sys.executable, str(REPO / "binaries" / "train_rainbow.py"),
               "--gin_file=gin/rainbow/cartpole.gin", f"--root_dir={tmp_path / 'run'}",
               "--gin_bindings=RainbowTrainer.max_env_steps = 300"] + [
        f"--gin_bindings={b}" for b in TINY_BINDINGS]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((tmp_path / "run" / "results.json").read_text())["env_steps"] >= 300
