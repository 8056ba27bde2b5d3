"""Plots return vs env steps for one or more run directories (seeds of one config).

    python -m binaries.plot --output=curve.png runs/cartpole-a runs/cartpole-b
"""
import os
import sys

from tfrainbow.cli import common  # noqa: E402

from absl import app, flags  # noqa: E402

flags.DEFINE_string("output", "returns.png", "PNG file to write.")
flags.DEFINE_string("title", "", "Plot title; default: the number of runs.")


def main(argv):
    run_dirs = argv[1:]
    if not run_dirs:
        raise app.UsageError("Name one or more run directories: python -m binaries.plot "
                             "--output=curve.png RUN_DIR [RUN_DIR ...]")
    from tfrainbow.plots import plot_runs

    common.quiet_python_logging()

    print(f"Wrote {plot_runs(run_dirs, common.FLAGS.output, common.FLAGS.title)}")



def run():
    """The command's entry point: tfrainbow-plot and binaries/plot.py."""
    common.run(main, __doc__, required=())
