"""Flags and set-up shared by the commands: --gin_file, --gin_bindings, --root_dir, quiet TF.

Importing a command's module defines its flags and nothing else (no thread, no TensorFlow):
`run` does the rest, in order, when it is the program."""
import json
import os
import sys

from absl import app, flags, logging

from tfrainbow.errors import ConfigError, MissingRunError, UserError, first_line

# The shipped configs, found by package path (tfrainbow/gin is the repository's gin/, copied
# into an installed package): --gin_file=gin/rainbow/cartpole.gin works from any directory.
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FLAGS = flags.FLAGS
flags.DEFINE_multi_string("gin_file", [], "Gin config file(s), applied in order.")
flags.DEFINE_multi_string("gin_bindings", [], "Gin bindings applied after the files, "
                          "e.g. 'RainbowNetwork.noisy = False'.")
flags.DEFINE_string("root_dir", None, "Run directory: checkpoints/, summaries/, policy/.")
flags.DEFINE_bool("verbose", False, "Show TensorFlow's start-up logging.")


def quiet_python_logging():
    """absl and TensorFlow's Python loggers to warnings and errors (unless --verbose)."""
    if not FLAGS.verbose:
        logging.set_verbosity(logging.WARNING)
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")


def use_devices(cpu_only: bool = False):
    """Call first in main: actors and the Reverb server run on the CPU; learners use a GPU
    where there is one, its memory taken as needed (tfrainbow/system/devices.py says why)."""
    from tfrainbow.system import devices

    if cpu_only:
        devices.cpu_only()
    else:
        devices.grow_gpu_memory()


def parse_gin(default_run_config: bool = False, root_dir: str = None, required: bool = True):
    """Parses --gin_file/--gin_bindings; with `default_run_config` and no --gin_file, the
    run's own ROOT_DIR/config.gin (written by train_rainbow) instead."""
    import gin

    from tfrainbow import builders  # noqa: F401  (registers configurables)
    from tfrainbow.runtime import train_impala, train_rainbow  # noqa: F401
    from tfrainbow.distributed import actor, learner, server  # noqa: F401

    quiet_python_logging()
    files = list(FLAGS.gin_file)
    if default_run_config and not files:
        run_config = os.path.join(root_dir or FLAGS.root_dir or "", "config.gin")
        if os.path.exists(run_config):
            files = [run_config]
        elif required:
            raise MissingRunError(f"No {run_config}: pass --gin_file (or --env_id), or a "
                                  "--root_dir written by binaries.train_rainbow.")
    # Shipped configs are named (and include each other) as gin/rainbow/...
    gin.add_config_file_search_path(PACKAGE_DIR)
    try:
        gin.parse_config_files_and_bindings(files, FLAGS.gin_bindings)
    except (ValueError, IOError, SyntaxError) as error:  # unknown name, missing file, syntax
        raise ConfigError(f"Bad gin configuration: {first_line(error)} (check the names "
                          "against the README's gin reference)") from None


class EmbeddedServerNetwork:
    """A one-process trainer's --bind_all_interfaces and its isolation: `isolate` (its
    command's pre-thread step) moves the process, its embedded Reverb server and the actor
    processes it starts into a private network unless the flag (or `remote_flag`, an
    address that embeds no server) is set (tfrainbow/system/loopback.py)."""

    def __init__(self, remote_flag: str = None):
        flags.DEFINE_bool("bind_all_interfaces", False, "Let the embedded Reverb server be "
                          "reached from other hosts (Reverb 0.14 listens on every interface; "
                          "by default this process runs in a private network). No "
                          "authentication: a private network only.")
        self.remote_flag, self.isolated, self.error = remote_flag, False, None

    def isolate(self):
        from tfrainbow.system import loopback

        self.isolated, self.error = loopback.isolate_trainer(FLAGS, sys.argv, self.remote_flag)

    def check(self):
        """Raises the error isolation met (call in main, once devices are chosen), else
        prints where the embedded server can be reached."""
        from tfrainbow.system import loopback

        if self.error is not None:
            raise self.error
        print(loopback.trainer_network_line(self.isolated), flush=True)


def quiet():
    """Hides TF's C++ start-up lines and Reverb's info lines (unless --verbose; errors and
    warnings still pass), before TensorFlow is imported. Starts the stderr filter thread."""
    if "--verbose" not in sys.argv:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        from tfrainbow.system import quiet as quiet_output

        quiet_output.filter_reverb_info()


def run(main, doc: str, required=(), before_threads=None):
    """A command as the program: `before_threads()` first (the one moment a process is still
    single-threaded), then the quiet output, then absl's app.run with `doc` as its help and
    `required` flags, and a user's mistake (tfrainbow.errors.UserError) reported as one line
    and exit status 1; any other exception keeps its traceback."""
    sys.modules["__main__"].__doc__ = doc  # absl's help is the main module's docstring
    if before_threads is not None:
        before_threads()
    for name in required:
        flags.mark_flag_as_required(name)
    quiet()

    def checked_main(argv):
        try:
            return main(argv)
        except UserError as error:
            print(f"error: {first_line(error)}", file=os.sys.stderr, flush=True)
            os.sys.exit(1)

    app.run(checked_main)


def report(results: dict):
    print(json.dumps(results, indent=2))
