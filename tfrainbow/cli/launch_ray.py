"""Launches a split run on a Ray cluster: one Reverb server, N actors and one learner, placed
by Ray, restarted by Ray when a process or node dies, ended cleanly when the learner is done.

    ray start --head            # on one host; `ray start --address=HEAD:6379` on the others
    python -m binaries.launch_ray --agent=impala --gin_file=gin/impala/cartpole.gin \\
        --root_dir=/shared/runs/impala --address=auto --num_actors=8

Needs `pip install 'tfrainbow[ray]'`. Reverb has no authentication and the server listens on
every interface of its node: the cluster network must be private.
"""
import json

from absl import flags

from tfrainbow.cli import common
from tfrainbow.errors import ConfigError

flags.DEFINE_enum("agent", "rainbow", ["rainbow", "impala"], "Which agent to run.")
flags.DEFINE_string("address", None, "The Ray cluster: 'auto' (the one `ray start` made on this "
                    "host), HOST:PORT of its head, or unset for a one-node Ray started here.")
flags.DEFINE_integer("num_actors", 2, "Actor processes.")
flags.DEFINE_float("actor_cpus", 1.0, "Ray CPUs each actor takes.")
flags.DEFINE_float("learner_cpus", 1.0, "Ray CPUs the learner takes.")
flags.DEFINE_float("learner_gpus", None, "GPUs the learner takes (default: 1 where the cluster "
                   "has a GPU, else 0).")
flags.DEFINE_integer("port", 8000, "The Reverb server's port on its node.")
for _role in ("server", "learner", "actor"):
    flags.DEFINE_string(f"{_role}_resources", None, f"JSON of custom Ray resources the {_role} "
                        "needs, e.g. '{\"reverb\": 1}' for a node started with "
                        "`ray start --resources='{\"reverb\": 1}'`.")


def _resources(name: str):
    text = getattr(common.FLAGS, name)
    if text is None:
        return None
    try:
        value = json.loads(text)
        if isinstance(value, dict) and all(isinstance(v, (int, float)) for v in value.values()):
            return value
    except ValueError:
        pass
    raise ConfigError(f"--{name}={text} is not a JSON object of resource amounts: write it "
                      "like '{\"reverb\": 1}'.")


def main(argv):
    del argv
    import threading

    from tfrainbow.distributed.ray_launch import RayLaunch
    from tfrainbow.system.signals import install_stop_signals

    FLAGS = common.FLAGS
    launch = RayLaunch(
        agent=FLAGS.agent, root_dir=FLAGS.root_dir, gin_files=FLAGS.gin_file,
        gin_bindings=FLAGS.gin_bindings, address=FLAGS.address, num_actors=FLAGS.num_actors,
        actor_cpus=FLAGS.actor_cpus, learner_cpus=FLAGS.learner_cpus,
        learner_gpus=FLAGS.learner_gpus, port=FLAGS.port,
        server_resources=_resources("server_resources"),
        learner_resources=_resources("learner_resources"),
        actor_resources=_resources("actor_resources"))
    stop = threading.Event()
    install_stop_signals(stop, what="stopping the learner (it checkpoints), the actors, then "
                         "the server (it checkpoints)")
    common.report(launch.run(stop))


def run():
    """The command's entry point: tfrainbow-launch-ray and binaries/launch_ray.py."""
    common.run(main, __doc__, required=("root_dir",))


if __name__ == "__main__":
    run()
