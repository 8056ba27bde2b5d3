"""Trains IMPALA on one machine: embedded Reverb server, actor processes, V-trace learner.

    python -m binaries.train_impala --gin_file=gin/impala/cartpole.gin --root_dir=runs/impala
"""
from tfrainbow.cli import common

NETWORK = common.EmbeddedServerNetwork()


def main(argv):
    del argv
    common.use_devices()
    from tfrainbow.runtime.train_impala import ImpalaTrainer

    common.parse_gin()
    NETWORK.check()
    common.report(ImpalaTrainer(root_dir=common.FLAGS.root_dir).run())


def run():
    """The command's entry point: tfrainbow-train-impala and binaries/train_impala.py."""
    common.run(main, __doc__, required=("root_dir",), before_threads=NETWORK.isolate)
