"""Launches a split run on a Ray cluster: one Reverb server, N actors and one learner, placed

The command lives in tfrainbow/cli/launch_ray.py (installed as tfrainbow-launch-ray).
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tfrainbow.cli.launch_ray import run  # noqa: E402

if __name__ == "__main__":
    run()
