"""Trains Rainbow in one process: embedded Reverb server (or --reverb_address), actor, learner.

    python -m binaries.train_rainbow --gin_file=gin/rainbow/cartpole.gin --root_dir=runs/cp
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from binaries import common  # noqa: E402,F401  (quiet TensorFlow before it is imported)

from absl import flags  # noqa: E402

flags.DEFINE_string("reverb_address", None, "host:port of a running Reverb server; default: "
                    "start one in this process.")


def main(argv):
    del argv
    common.use_devices()
    from tfrainbow.runtime.train_rainbow import RainbowTrainer
    common.parse_gin()
    trainer = RainbowTrainer(root_dir=common.FLAGS.root_dir,
                             reverb_address=common.FLAGS.reverb_address)
    common.report(trainer.run())


if __name__ == "__main__":
    flags.mark_flag_as_required("root_dir")
    common.run(main)
