"""Trains Rainbow in one process: embedded Reverb server (or --reverb_address), actor, learner.

    python -m binaries.train_rainbow --gin_file=gin/rainbow/cartpole.gin --root_dir=runs/cp
"""
from absl import flags

from tfrainbow.cli import common

flags.DEFINE_string("reverb_address", None, "host:port of a running Reverb server; default: "
                    "start one in this process.")
NETWORK = common.EmbeddedServerNetwork(remote_flag="reverb_address")


def main(argv):
    del argv
    common.use_devices()
    from tfrainbow.runtime.train_rainbow import RainbowTrainer
    common.parse_gin()
    if not common.FLAGS.reverb_address:
        NETWORK.check()
    trainer = RainbowTrainer(root_dir=common.FLAGS.root_dir,
                             reverb_address=common.FLAGS.reverb_address)
    common.report(trainer.run())


def run():
    """The command's entry point: tfrainbow-train-rainbow and binaries/train_rainbow.py."""
    common.run(main, __doc__, required=("root_dir",), before_threads=NETWORK.isolate)
