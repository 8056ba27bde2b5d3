"""Prints what a run took and where it left its results, from ROOT_DIR/results.json and the

The command lives in tfrainbow/cli/summary.py (installed as tfrainbow-summary).
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tfrainbow.cli.summary import run  # noqa: E402

if __name__ == "__main__":
    run()
