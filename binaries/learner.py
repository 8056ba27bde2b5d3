"""The learner of a split run: trains from a Reverb server elsewhere, publishes weights to

The command lives in tfrainbow/cli/learner.py (installed as tfrainbow-learner).
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tfrainbow.cli.learner import run  # noqa: E402

if __name__ == "__main__":
    run()
