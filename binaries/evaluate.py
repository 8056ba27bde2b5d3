"""Evaluates a greedy policy for N episodes and prints the mean and std of the return.

    python -m binaries.evaluate --policy_dir=runs/cartpole/policy --env_id=CartPole-v1
    python -m binaries.evaluate --root_dir=runs/cartpole          # its latest checkpoint

With --root_dir the run's config (ROOT_DIR/config.gin) gives the environment and network.
"""
from binaries import common  # noqa: F401  (quiet TensorFlow before it is imported)

from absl import app, flags  # noqa: E402

flags.DEFINE_string("policy_dir", None, "A SavedModel written by train_rainbow/export_policy.")
flags.DEFINE_string("env_id", None, "gymnasium id; default: the run's config.gin.")
flags.DEFINE_integer("num_episodes", 10, "Episodes to run.")
flags.DEFINE_integer("seed", 10_000, "Seed of the first episode (episode i uses seed + i).")


def main(argv):
    del argv
    import functools
    import os

    from tfrainbow import envs, specs
    from tfrainbow.policies.saver import load_policy
    from tfrainbow.runtime import builders
    from tfrainbow.runtime.evaluator import evaluate

    FLAGS = common.FLAGS
    if bool(FLAGS.policy_dir) == bool(FLAGS.root_dir):
        raise app.UsageError("Give exactly one of --policy_dir (a SavedModel) or --root_dir "
                             "(a run's latest checkpoint).")
    root_dir = FLAGS.root_dir or os.path.dirname(os.path.abspath(FLAGS.policy_dir))
    common.parse_gin(default_run_config=True, root_dir=root_dir,
                     required=FLAGS.env_id is None)
    make_env = functools.partial(envs.make_env, FLAGS.env_id) if FLAGS.env_id else envs.make_env
    if FLAGS.policy_dir:
        _, action_fn = load_policy(FLAGS.policy_dir)
        source = FLAGS.policy_dir
    else:
        agent = builders.restore_rainbow_agent(FLAGS.root_dir,
                                               specs.specs_from_env(make_env()))
        action_fn = lambda obs: agent.policy.action(obs).numpy()  # noqa: E731
        source = f"{FLAGS.root_dir} (checkpoint after {int(agent.train_step):,} updates)"
    result = evaluate(action_fn, make_env, FLAGS.num_episodes, seed=FLAGS.seed)
    print(f"{source}: mean return {result.mean:.1f} +- {result.std:.1f} over "
          f"{FLAGS.num_episodes} episodes (min {result.returns.min():.1f}, "
          f"max {result.returns.max():.1f})")


if __name__ == "__main__":
    common.run(main)
