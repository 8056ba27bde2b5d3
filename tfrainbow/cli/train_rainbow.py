"""Trains Rainbow in one process: embedded Reverb server (or --reverb_address), actor, learner.

    python -m binaries.train_rainbow --gin_file=gin/rainbow/cartpole.gin --root_dir=runs/cp
"""
import sys

from absl import flags

from tfrainbow.system import loopback

flags.DEFINE_bool("bind_all_interfaces", False, "Let the embedded Reverb server be reached "
                  "from other hosts (Reverb 0.14 listens on every interface; by default this "
                  "process runs in a private network). No authentication: a private network only.")
flags.DEFINE_string("reverb_address", None, "host:port of a running Reverb server; default: "
                    "start one in this process.")
ISOLATED, EARLY_ERROR = False, None


def isolate():
    """Before anything starts a thread (a non-root process can enter a user namespace only
    while single-threaded): the embedded server, this process and the actor processes it
    starts, in a private network (tfrainbow/system/loopback.py)."""
    global ISOLATED, EARLY_ERROR
    ISOLATED, EARLY_ERROR = loopback.isolate_trainer(flags.FLAGS, sys.argv, "reverb_address")


from tfrainbow.cli import common


def main(argv):
    del argv
    common.use_devices()
    if EARLY_ERROR is not None:
        raise EARLY_ERROR
    from tfrainbow.runtime.train_rainbow import RainbowTrainer
    common.parse_gin()
    if not common.FLAGS.reverb_address:
        print(loopback.trainer_network_line(ISOLATED), flush=True)
    trainer = RainbowTrainer(root_dir=common.FLAGS.root_dir,
                             reverb_address=common.FLAGS.reverb_address)
    common.report(trainer.run())


def run():
    """The command's entry point: tfrainbow-train-rainbow and binaries/train_rainbow.py."""
    common.run(main, __doc__, required=("root_dir",), before_threads=isolate)
