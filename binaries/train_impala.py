"""Trains IMPALA on one machine: embedded Reverb server, actor processes, V-trace learner.

    python -m binaries.train_impala --gin_file=gin/impala/cartpole.gin --root_dir=runs/impala
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from binaries import common  # noqa: E402,F401  (quiet TensorFlow before it is imported)

from absl import flags  # noqa: E402


def main(argv):
    del argv
    common.use_devices()
    from tfrainbow.runtime.train_impala import ImpalaTrainer

    common.parse_gin()
    common.report(ImpalaTrainer(root_dir=common.FLAGS.root_dir).run())


if __name__ == "__main__":
    flags.mark_flag_as_required("root_dir")
    common.run(main)
