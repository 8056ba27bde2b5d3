"""Trains IMPALA on one machine: embedded Reverb server, actor processes, V-trace learner.

The command lives in tfrainbow/cli/train_impala.py (installed as tfrainbow-train-impala).
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tfrainbow.cli.train_impala import run  # noqa: E402

if __name__ == "__main__":
    run()
