"""Evaluates a policy (greedy, or as its config says) for N episodes and prints the mean and std of the return.

The command lives in tfrainbow/cli/evaluate.py (installed as tfrainbow-evaluate).
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tfrainbow.cli.evaluate import run  # noqa: E402

if __name__ == "__main__":
    run()
