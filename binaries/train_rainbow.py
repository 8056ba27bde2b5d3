"""Trains Rainbow in one process: embedded Reverb server (or --reverb_address), actor, learner.

    python -m binaries.train_rainbow --gin_file=gin/rainbow/cartpole.gin --root_dir=runs/cp
"""
import os
import sys

if not __package__:  # run by path (python binaries/NAME.py): the repository root first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from absl import flags  # noqa: E402

from tfrainbow.system import loopback  # noqa: E402

flags.DEFINE_bool("bind_all_interfaces", False, "Let the embedded Reverb server be reached "
                  "from other hosts (Reverb 0.14 listens on every interface; by default this "
                  "process runs in a private network). No authentication: a private network only.")
flags.DEFINE_string("reverb_address", None, "host:port of a running Reverb server; default: "
                    "start one in this process.")
# Before anything starts a thread (a non-root process can enter a user namespace only while
# single-threaded): the embedded server, this process and its actors in a private network.
# Only as the program: a spawned actor process imports this module as __mp_main__, and
# it must stay in its parent's network.
ISOLATED, EARLY_ERROR = False, None
if __name__ == "__main__":
    ISOLATED, EARLY_ERROR = loopback.isolate_trainer(flags.FLAGS, sys.argv, "reverb_address")

from binaries import common  # noqa: E402,F401  (quiet TensorFlow before it is imported)


def main(argv):
    del argv
    if EARLY_ERROR is not None:
        raise EARLY_ERROR
    common.use_devices()
    from tfrainbow.runtime.train_rainbow import RainbowTrainer
    common.parse_gin()
    if not common.FLAGS.reverb_address:
        print(loopback.trainer_network_line(ISOLATED), flush=True)
    trainer = RainbowTrainer(root_dir=common.FLAGS.root_dir,
                             reverb_address=common.FLAGS.reverb_address)
    common.report(trainer.run())


if __name__ == "__main__":
    flags.mark_flag_as_required("root_dir")
    common.run(main)
