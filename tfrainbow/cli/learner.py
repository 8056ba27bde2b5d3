"""The learner of a split run: trains from a Reverb server elsewhere, publishes weights to
its variable table, checkpoints to --root_dir and resumes from it.

    python -m binaries.learner --agent=rainbow --gin_file=gin/rainbow/cartpole.gin \
        --reverb_address=localhost:8000 --root_dir=runs/learner
"""
import os
import sys

from tfrainbow.cli import common  # noqa: E402

from absl import flags  # noqa: E402

flags.DEFINE_enum("agent", "rainbow", ["rainbow", "impala"], "Which agent learns.")
flags.DEFINE_string("reverb_address", None, "host:port of binaries.reverb_server.")


def main(argv):
    del argv
    common.use_devices()
    import threading

    from tfrainbow.distributed.learner import RemoteLearner
    from tfrainbow.system.signals import install_stop_signals

    FLAGS = common.FLAGS
    common.parse_gin()
    learner = RemoteLearner(root_dir=FLAGS.root_dir, agent_kind=FLAGS.agent,
                            reverb_address=FLAGS.reverb_address)
    stop = threading.Event()
    install_stop_signals(stop)
    common.report(learner.run(stop))



def run():
    """The command's entry point: tfrainbow-learner and binaries/learner.py."""
    common.run(main, __doc__, required=("reverb_address", "root_dir"))


if __name__ == "__main__":  # python -m tfrainbow.cli.learner (how the Ray launcher starts it)
    run()
