"""Exports the greedy policy of a run's latest checkpoint as a SavedModel.

The command lives in tfrainbow/cli/export_policy.py (installed as tfrainbow-export-policy).
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tfrainbow.cli.export_policy import run  # noqa: E402

if __name__ == "__main__":
    run()
