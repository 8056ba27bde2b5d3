"""Learning curves from run directories' TensorBoard summaries: return vs env steps."""
import glob
import os
import re
from typing import Dict, List, Sequence, Tuple

import numpy as np

from tfrainbow.errors import MissingRunError

TRAIN_RETURN, EVAL_RETURN = "train/mean_return", "eval/mean_return"


def read_scalars(run_dir: str, tags: Sequence[str]) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """{tag: (env_steps [K], values [K])} from run_dir/summaries, sorted by step; the last
    value wins where a resumed run wrote a step twice."""
    import tensorflow as tf

    points = {tag: {} for tag in tags}
    files = sorted(glob.glob(os.path.join(run_dir, "summaries", "events.out.tfevents.*")))
    if not files:
        raise MissingRunError(f"No TensorBoard summaries under {run_dir}/summaries: is it a "
                                "run directory written by binaries.train_rainbow?")
    for path in files:
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag in points:
                    points[value.tag][event.step] = float(tf.make_ndarray(value.tensor))
    return {tag: (np.array(sorted(p)), np.array([p[s] for s in sorted(p)]))
            for tag, p in points.items()}


def env_id(run_dir: str) -> str:
    """The environment id from the run's config.gin, or '' when unknown."""
    match = None
    path = os.path.join(run_dir, "config.gin")
    if os.path.exists(path):
        with open(path) as f:
            match = re.search(r"make_env\.env_id\s*=\s*['\"]([^'\"]+)['\"]", f.read())
    return match.group(1) if match else os.path.basename(os.path.normpath(run_dir))


def aggregate(curves: List[Tuple[np.ndarray, np.ndarray]], num_points: int = 200):
    """Mean and std over runs on a common env-step grid (linear interpolation, within the
    steps every run reached). Returns (steps [G], mean [G], std [G])."""
    curves = [(s, v) for s, v in curves if len(s)]
    if not curves:
        return np.array([]), np.array([]), np.array([])
    if len(curves) == 1:
        steps, values = curves[0]
        return steps, values, np.zeros_like(values)
    lo, hi = max(s[0] for s, _ in curves), min(s[-1] for s, _ in curves)
    grid = np.linspace(lo, hi, num_points) if hi > lo else np.array([lo])
    stacked = np.stack([np.interp(grid, s, v) for s, v in curves])  # [runs, G]
    return grid, stacked.mean(axis=0), stacked.std(axis=0)


def plot_runs(run_dirs: Sequence[str], output: str, title: str = "") -> str:
    """Writes a PNG: training return (last-100 mean) and greedy evaluation return vs env
    steps, mean over the runs with +- 1 std shaded (the runs are seeds of one config)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scalars = [read_scalars(d, (TRAIN_RETURN, EVAL_RETURN)) for d in run_dirs]
    figure, axis = plt.subplots(figsize=(7, 4.5))
    eval_style = "o-" if len(run_dirs) == 1 else "-"  # markers only on measured points
    for tag, label, style in ((TRAIN_RETURN, "training (exploring), last 100 episodes", "-"),
                              (EVAL_RETURN, "evaluation (greedy)", eval_style)):
        steps, mean, std = aggregate([s[tag] for s in scalars])
        if len(steps):
            axis.plot(steps, mean, style, label=label, markersize=4)
            axis.fill_between(steps, mean - std, mean + std, alpha=0.25)
    axis.set_xlabel("environment steps")
    axis.set_ylabel("episode return")
    runs = f"{len(run_dirs)} run{'s' if len(run_dirs) > 1 else ''}"
    spread = ", mean +- std" if len(run_dirs) > 1 else ""
    axis.set_title(title or f"{env_id(run_dirs[0])}: {runs}{spread}")
    axis.grid(alpha=0.3)
    axis.legend(loc="lower right")
    figure.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    figure.savefig(output, dpi=100)
    plt.close(figure)
    return output
