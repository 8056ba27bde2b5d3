"""Evaluates a policy (greedy, or as its config says) for N episodes and prints the mean and std of the return.

    python -m binaries.evaluate --policy_dir=runs/cartpole/policy --env_id=CartPole-v1
    python -m binaries.evaluate --root_dir=runs/cartpole          # its latest checkpoint

With --root_dir the run's config (ROOT_DIR/config.gin) gives the environment and network.
Atari (ALE/... ids) follows the standard protocol: full episodes of at most 108k frames,
each after up to 30 no-ops, raw rewards, noise off (--epsilon=0.001 for epsilon-greedy
evaluation); the result also gives the human-normalized score (HNS). The result is written
as JSON to --output (default: eval.json beside the policy or in the run directory).
"""
import os
import sys

from tfrainbow.cli import common  # noqa: E402

from absl import app, flags  # noqa: E402

flags.DEFINE_string("policy_dir", None, "A SavedModel written by train_rainbow/export_policy.")
flags.DEFINE_string("env_id", None, "gymnasium id; default: the run's config.gin.")
flags.DEFINE_integer("num_episodes", 10, "Episodes to run.")
flags.DEFINE_integer("seed", 10_000, "Seed of the first episode (episode i uses seed + i).")
flags.DEFINE_float("epsilon", 0.0, "Probability of a random action (Atari protocol: 0 with "
                   "noisy nets, 0.001 otherwise).")
flags.DEFINE_string("output", None, "Where to write the result as JSON.")


def main(argv):
    del argv
    common.use_devices()
    import functools
    import json
    import os

    from tfrainbow import envs, specs
    from tfrainbow.errors import ConfigError
    from tfrainbow.envs import atari, atari_scores
    from tfrainbow.policies import recurrent
    from tfrainbow.policies.saver import load_policy
    from tfrainbow import builders
    from tfrainbow.runtime.evaluator import epsilon_greedy, evaluate

    FLAGS = common.FLAGS
    if bool(FLAGS.policy_dir) == bool(FLAGS.root_dir):
        raise app.UsageError("Give exactly one of --policy_dir (a SavedModel) or --root_dir "
                             "(a run's latest checkpoint).")
    root_dir = FLAGS.root_dir or os.path.dirname(os.path.abspath(FLAGS.policy_dir))
    common.parse_gin(default_run_config=True, root_dir=root_dir,
                     required=FLAGS.env_id is None)
    make_env = functools.partial(envs.make_env, FLAGS.env_id) if FLAGS.env_id else envs.make_env
    probe = make_env()
    env_id = probe.unwrapped.spec.id if probe.unwrapped.spec else FLAGS.env_id
    env_specs = specs.specs_from_env(probe)
    probe.close()
    if FLAGS.policy_dir:
        loaded, action_fn = load_policy(FLAGS.policy_dir)
        takes = loaded.signatures["action"].structured_input_signature[1]["observation"]
        wanted = env_specs.observation_spec
        if takes.shape[1:] != wanted.shape or takes.dtype != wanted.dtype:
            raise ConfigError(
                f"The policy at {FLAGS.policy_dir} takes observations of shape "
                f"{tuple(takes.shape[1:])} {takes.dtype.name}, but {env_id} gives "
                f"{tuple(wanted.shape)} {wanted.dtype.name}: evaluate it on the env it was "
                "trained on (--env_id, or its run's config.gin).")
        source = FLAGS.policy_dir
    else:
        builder, agent = builders.restore_agent(FLAGS.root_dir, env_specs)
        policy = builder.make_policy(agent)
        action_fn = recurrent.action_fn(policy)
        source = f"{FLAGS.root_dir} (checkpoint after {int(agent.train_step):,} updates)"
    action_fn = epsilon_greedy(action_fn, specs.num_actions(env_specs.action_spec),
                               FLAGS.epsilon, seed=FLAGS.seed)
    result = evaluate(action_fn, make_env, FLAGS.num_episodes, seed=FLAGS.seed,
                      make_vector_env=lambda n: envs.make_eval_vector_env(n, env_id))
    line = (f"{source}: mean return {result.mean:.1f} +- {result.std:.1f} over "
            f"{FLAGS.num_episodes} episodes (min {result.returns.min():.1f}, "
            f"max {result.returns.max():.1f})")
    report = {"env_id": env_id, "episodes": FLAGS.num_episodes, "epsilon": FLAGS.epsilon,
              "mean_return": result.mean, "std_return": result.std,
              "returns": [float(r) for r in result.returns], "source": source}
    if env_id and env_id.startswith("ALE/"):
        game = atari.game_of(env_id)
        report["game"] = game
        report["hns"] = atari_scores.human_normalized(game, result.mean)
        line += f"; human-normalized score {report['hns']:.3f}"
    output = FLAGS.output or os.path.join(root_dir, "eval.json")
    with open(output, "w") as f:
        json.dump(report, f, indent=2)
    print(f"{line}. Written to {output}.")



def run():
    """The command's entry point: tfrainbow-evaluate and binaries/evaluate.py."""
    common.run(main, __doc__, required=())
