"""Trains IMPALA on one machine: embedded Reverb server, actor processes, V-trace learner.

    python -m binaries.train_impala --gin_file=gin/impala/cartpole.gin --root_dir=runs/impala
"""
import sys

from absl import flags

from tfrainbow.system import loopback

flags.DEFINE_bool("bind_all_interfaces", False, "Let the embedded Reverb server be reached "
                  "from other hosts (Reverb 0.14 listens on every interface; by default this "
                  "process runs in a private network). No authentication: a private network only.")
ISOLATED, EARLY_ERROR = False, None


def isolate():
    """Before anything starts a thread (a non-root process can enter a user namespace only
    while single-threaded): the embedded server, this process and the actor processes it
    starts, in a private network (tfrainbow/system/loopback.py)."""
    global ISOLATED, EARLY_ERROR
    ISOLATED, EARLY_ERROR = loopback.isolate_trainer(flags.FLAGS, sys.argv)


from tfrainbow.cli import common


def main(argv):
    del argv
    common.use_devices()
    if EARLY_ERROR is not None:
        raise EARLY_ERROR
    from tfrainbow.runtime.train_impala import ImpalaTrainer

    common.parse_gin()
    print(loopback.trainer_network_line(ISOLATED), flush=True)
    common.report(ImpalaTrainer(root_dir=common.FLAGS.root_dir).run())


def run():
    """The command's entry point: tfrainbow-train-impala and binaries/train_impala.py."""
    common.run(main, __doc__, required=("root_dir",), before_threads=isolate)
