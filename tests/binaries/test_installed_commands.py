"""The installed commands (console entry points) work from any directory, as people type
them, with the shipped gin files found by package path: in this checkout's environment
(`make install`'s editable install) and from a wheel of it installed elsewhere."""
import configparser
import json
import os
import pathlib
import subprocess
import sys

import pytest

from tests.runtime.tiny_run import TINY_BINDINGS

REPO = pathlib.Path(__file__).resolve().parents[2]
ENTRY = configparser.ConfigParser()
ENTRY.read(REPO / "setup.cfg")
COMMANDS = dict(line.split(" = ") for line in
                ENTRY["options.entry_points"]["console_scripts"].strip().splitlines())
BIN = pathlib.Path(sys.executable).parent
TINY_RUN = ["--gin_file=gin/rainbow/cartpole.gin",
            "--gin_bindings=RainbowTrainer.max_env_steps = 300"] + [
    f"--gin_bindings={b}" for b in TINY_BINDINGS]


def test_every_binary_has_a_command():
    binaries = {p.stem for p in (REPO / "binaries").glob("*.py") if p.stem != "__init__"}
    assert {f"tfrainbow-{b.replace('_', '-')}" for b in binaries} == set(COMMANDS)
    assert all(target == f"tfrainbow.cli.{name[len('tfrainbow-'):].replace('-', '_')}:run"
               for name, target in COMMANDS.items())


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_answers_help_from_another_directory(tmp_path, command):
    if not (BIN / command).exists():
        pytest.skip(f"{command} is not installed in {BIN}: run `make install`")
    done = subprocess.run([str(BIN / command), "--helpfull"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]  # absl's help exits 1
    assert "--gin_bindings" in done.stdout and "flags:" in done.stdout


def test_train_rainbow_command_from_another_directory_with_a_shipped_gin_file(tmp_path):
    command = BIN / "tfrainbow-train-rainbow"
    if not command.exists():
        pytest.skip(f"{command} is not installed: run `make install`")
    done = subprocess.run([str(command), f"--root_dir={tmp_path / 'run'}"] + TINY_RUN,
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((tmp_path / "run" / "results.json").read_text())["env_steps"] >= 300


def test_a_wheel_carries_the_gin_files_and_runs_from_elsewhere(tmp_path):
    """A wheel of this checkout, installed into a directory of its own (not the editable
    install), trains with --gin_file=gin/... from a third directory."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp_path / "wheel"), str(REPO)],
                   check=True, timeout=300, capture_output=True)
    wheel = next((tmp_path / "wheel").glob("tfrainbow-*.whl"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(wheel)], check=True, timeout=300,
                   capture_output=True)
    shipped = sorted(p.relative_to(REPO / "gin") for p in (REPO / "gin").rglob("*.gin"))
    assert sorted(p.relative_to(target / "tfrainbow" / "gin")
                  for p in (target / "tfrainbow" / "gin").rglob("*.gin")) == shipped
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = ("import sys, tfrainbow; assert tfrainbow.__file__.startswith(sys.argv[1]), "
            "tfrainbow.__file__; sys.argv = ['tfrainbow-train-rainbow'] + sys.argv[2:]; "
            "from tfrainbow.cli.train_rainbow import run; run()")
    done = subprocess.run([sys.executable, "-c", code, str(target),
                           f"--root_dir={elsewhere / 'run'}"] + TINY_RUN, cwd=elsewhere,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((elsewhere / "run" / "results.json").read_text())["env_steps"] >= 300
