"""Plots return vs env steps for one or more run directories (seeds of one config).

The command lives in tfrainbow/cli/plot.py (installed as tfrainbow-plot).
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tfrainbow.cli.plot import run  # noqa: E402

if __name__ == "__main__":
    run()
