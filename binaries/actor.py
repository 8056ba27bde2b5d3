"""One actor of a split run: acts and writes experience to a Reverb server elsewhere.

The command lives in tfrainbow/cli/actor.py (installed as tfrainbow-actor).
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tfrainbow.cli.actor import run  # noqa: E402

if __name__ == "__main__":
    run()
