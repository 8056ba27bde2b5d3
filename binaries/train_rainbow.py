"""Trains Rainbow in one process: embedded Reverb server (or --reverb_address), actor, learner.

The command lives in tfrainbow/cli/train_rainbow.py (installed as tfrainbow-train-rainbow).
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tfrainbow.cli.train_rainbow import run  # noqa: E402

if __name__ == "__main__":
    run()
