"""Exports the greedy policy of a run's latest checkpoint as a SavedModel.

    python -m binaries.export_policy --root_dir=runs/cartpole [--output_dir=DIR]

The run's own config (ROOT_DIR/config.gin) is read unless --gin_file is given.
"""
import os
import sys

from tfrainbow.cli import common  # noqa: E402

from absl import flags  # noqa: E402

flags.DEFINE_string("output_dir", None, "Where to write the SavedModel; default ROOT_DIR/policy.")


def main(argv):
    del argv
    common.use_devices()
    import os

    from tfrainbow import envs, specs
    from tfrainbow.policies.saver import export_policy
    from tfrainbow import builders

    common.parse_gin(default_run_config=True)
    env_specs = specs.specs_from_env(envs.make_env())
    builder, agent = builders.restore_agent(common.FLAGS.root_dir, env_specs)
    output = common.FLAGS.output_dir or os.path.join(common.FLAGS.root_dir, "policy")
    print(f"Exported the greedy policy after {int(agent.train_step):,} updates to "
          f"{export_policy(builder.make_policy(agent), output)}")



def run():
    """The command's entry point: tfrainbow-export-policy and binaries/export_policy.py."""
    common.run(main, __doc__, required=("root_dir",))
