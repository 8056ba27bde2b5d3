"""Plots return vs env steps for one or more run directories (seeds of one config).

    python -m binaries.plot --output=curve.png runs/cartpole-a runs/cartpole-b
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from binaries import common  # noqa: E402,F401  (quiet TensorFlow before it is imported)

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


if __name__ == "__main__":
    common.run(main)
