"""A standalone Reverb server with the tables of one agent, built from the training gin.

The command lives in tfrainbow/cli/reverb_server.py (installed as tfrainbow-reverb-server).
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tfrainbow.cli.reverb_server import run  # noqa: E402

if __name__ == "__main__":
    run()
