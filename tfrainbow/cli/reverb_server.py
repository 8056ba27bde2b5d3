"""A standalone Reverb server with the tables of one agent, built from the training gin.

    python -m binaries.reverb_server --agent=rainbow --gin_file=gin/rainbow/cartpole.gin \
        --root_dir=runs/server --port=8000

Localhost only by default (see tfrainbow/system/loopback.py); --bind_all_interfaces
listens on every interface. Checkpoints to ROOT_DIR/replay and restores from it on start.
"""
import sys

from absl import flags

from tfrainbow.errors import BindError
from tfrainbow.system import loopback

flags.DEFINE_integer("port", 8000, "Port clients connect to (--reverb_address=HOST:PORT).")
flags.DEFINE_bool("bind_all_interfaces", False, "Listen on every network interface, not only "
                  "localhost. Reverb has no authentication: only on a private network.")

LISTENER, EARLY_ERROR = None, None


def isolate():
    """Before anything starts a thread (a non-root process can only enter a new user
    namespace while single-threaded): take 127.0.0.1:PORT, then hide Reverb in a private
    network."""
    global LISTENER, EARLY_ERROR
    flags.FLAGS(sys.argv, known_only=True)
    try:
        if not flags.FLAGS.bind_all_interfaces:
            LISTENER = loopback.listen_on_loopback(flags.FLAGS.port)
            loopback.enter_private_network()
    except BindError as error:
        EARLY_ERROR = error
    finally:
        flags.FLAGS.unparse_flags()


from tfrainbow.cli import common

flags.DEFINE_enum("agent", "rainbow", ["rainbow", "impala"], "Whose tables to serve.")


def main(argv):
    del argv
    common.use_devices(cpu_only=True)
    import threading

    from tfrainbow.system.signals import install_stop_signals
    from tfrainbow.distributed.server import ReverbService

    if EARLY_ERROR is not None:
        raise EARLY_ERROR
    FLAGS = common.FLAGS
    common.parse_gin()
    service = ReverbService(root_dir=FLAGS.root_dir, agent_kind=FLAGS.agent, port=FLAGS.port)
    if LISTENER is not None:
        loopback.Relay(LISTENER, FLAGS.port).start()
        print(f"Listening on 127.0.0.1:{FLAGS.port} only (--bind_all_interfaces to serve "
              "other hosts).", flush=True)
    else:
        print(f"Listening on every interface, port {FLAGS.port}: Reverb has no "
              "authentication, so keep this port on a private network.", flush=True)
    stop = threading.Event()
    install_stop_signals(stop)
    service.run(stop)


def run():
    """The command's entry point: tfrainbow-reverb-server and binaries/reverb_server.py."""
    common.run(main, __doc__, required=("root_dir",), before_threads=isolate)


if __name__ == "__main__":  # python -m tfrainbow.cli.reverb_server (the Ray launcher's way)
    run()
