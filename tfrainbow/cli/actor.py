"""One actor of a split run: acts and writes experience to a Reverb server elsewhere.

    python -m binaries.actor --agent=rainbow --gin_file=gin/rainbow/cartpole.gin \
        --reverb_address=localhost:8000 --actor_id=0
"""
import os
import sys

from tfrainbow.cli import common  # noqa: E402

from absl import flags  # noqa: E402

flags.DEFINE_enum("agent", "rainbow", ["rainbow", "impala"], "Which agent acts.")
flags.DEFINE_string("reverb_address", None, "host:port of binaries.reverb_server.")
flags.DEFINE_integer("actor_id", None, "Distinguishes actors: seeds and log lines. Default: "
                     "a random id, so that replicas started alike act differently.")


def main(argv):
    del argv
    common.use_devices(cpu_only=True)
    import os
    import threading

    from tfrainbow.distributed.actor import RemoteActor
    from tfrainbow.system.signals import install_stop_signals

    FLAGS = common.FLAGS
    common.parse_gin()
    actor_id = FLAGS.actor_id
    if actor_id is None:
        actor_id = int.from_bytes(os.urandom(2), "little")
    actor = RemoteActor(agent_kind=FLAGS.agent, reverb_address=FLAGS.reverb_address,
                        actor_id=actor_id)
    stop = threading.Event()
    install_stop_signals(stop, what="stopping")
    common.report(actor.run(stop))



def run():
    """The command's entry point: tfrainbow-actor and binaries/actor.py."""
    common.run(main, __doc__, required=("reverb_address",))


if __name__ == "__main__":  # python -m tfrainbow.cli.actor (how the Ray launcher starts it)
    run()
