"""Flags and set-up shared by the binaries: --gin_file, --gin_bindings, --root_dir, quiet TF."""
import json
import os

if "--verbose" not in os.sys.argv:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # hide TF's C++ start-up noise

from absl import flags, logging  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_multi_string("gin_file", [], "Gin config file(s), applied in order.")
flags.DEFINE_multi_string("gin_bindings", [], "Gin bindings applied after the files, "
                          "e.g. 'RainbowNetwork.noisy = False'.")
flags.DEFINE_string("root_dir", None, "Run directory: checkpoints/, summaries/, policy/.")
flags.DEFINE_bool("verbose", False, "Show TensorFlow's start-up logging.")


def parse_gin():
    import gin

    from tfrainbow.runtime import builders  # noqa: F401  (registers configurables)
    from tfrainbow.runtime import train_rainbow  # noqa: F401

    if not FLAGS.verbose:
        logging.set_verbosity(logging.WARNING)
        import tensorflow as tf
        tf.get_logger().setLevel("ERROR")
    gin.parse_config_files_and_bindings(FLAGS.gin_file, FLAGS.gin_bindings)


def report(results: dict):
    print(json.dumps(results, indent=2))
