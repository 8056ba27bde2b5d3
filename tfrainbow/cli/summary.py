"""Prints what a run took and where it left its results, from ROOT_DIR/results.json and the
export's evaluation (ROOT_DIR/eval.json, written by binaries.evaluate).

    python -m binaries.summary --root_dir=runs/cartpole
"""
import os
import sys

from tfrainbow.cli import common  # noqa: E402

from absl import flags  # noqa: E402


def main(argv):
    del argv
    import json
    import os

    from tfrainbow.errors import MissingRunError

    root = common.FLAGS.root_dir
    try:
        with open(os.path.join(root, "results.json")) as f:
            run = json.load(f)
    except FileNotFoundError:
        raise MissingRunError(f"No {root}/results.json: train into --root_dir first.") from None
    line = "Solved" if run.get("target_reached") else "Not solved"
    eval_path = os.path.join(root, "eval.json")
    if os.path.exists(eval_path):
        with open(eval_path) as f:
            export = json.load(f)
        line += (f": the exported policy scores {export['mean_return']:.1f} +- "
                 f"{export['std_return']:.1f} over {export['episodes']} episodes")
    if run.get("confirmed_mean_return") is not None:
        line += (f" (at the stop, {run['confirmed_mean_return']:.1f} over "
                 f"{run['confirm_episodes']} fresh episodes)")
    print(f"{line}; {run['env_steps']:,} env steps, {run['wall_clock_s']:.0f} s of training.")
    print(f"Policy: {run['policy_dir']}; learning curve: {os.path.join(root, 'returns.png')}")



def run():
    """The command's entry point: tfrainbow-summary and binaries/summary.py."""
    common.run(main, __doc__, required=("root_dir",))
