"""MinAtar: Rainbow (gin/rainbow/minatar.gin) on the five games, resumable, beside
Revisiting Rainbow (Obando-Ceron & Castro 2021).

    python benchmarks/minatar.py --games=Breakout,Asterix --seeds=0,1 --frames=2000000

Per game and seed it reports the mean training return of each window of --window frames
(MinAtar has no frame skip: frames = env steps), the metric of Revisiting Rainbow's curves,
and the greedy evaluation at the end; prints them beside the reference values at the same
window; writes --out (JSON) and --plot (PNG, a panel per game: mean +- std over seeds, the
references as points). A finished (game, seed) is kept and not rerun, an unfinished one
resumes from its checkpoint: the suite can be completed over several sittings.
"""
import argparse
import json
import os
import pathlib
import sys

import numpy as np

# Run as a script, this file's folder comes first on sys.path, where this file's name would
# hide the minatar package: the repository root instead.
HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
from benchmarks import suite  # noqa: E402
from tfrainbow.envs.minatar import GAMES  # noqa: E402
from tfrainbow.runtime.episode_log import read_episodes  # noqa: E402

# Revisiting Rainbow's Rainbow on MinAtar, mean training return of the 1M-frame window
# ending at these frames, read from its figure (about +-10%): {frames: return}.
REFERENCE_WINDOW = 1_000_000
REFERENCE = {"Asterix": {2_000_000: 18.0, 10_000_000: 42.0},
             "Breakout": {2_000_000: 7.0, 10_000_000: 11.3},
             "Freeway": {2_000_000: 55.0, 10_000_000: 57.0},
             "Seaquest": {2_000_000: 5.0, 10_000_000: 10.0},
             "SpaceInvaders": {2_000_000: 47.0, 10_000_000: 92.0}}


def window_means(episodes, window: int, num_windows: int):
    """Mean return of the episodes that ended in each window [k W, (k + 1) W) of env steps,
    k < num_windows (None for a window no episode ended in)."""
    sums, counts = np.zeros(num_windows), np.zeros(num_windows, np.int64)
    for env_steps, ret, _ in episodes:
        k = (env_steps - 1) // window  # the episode's last step is step env_steps
        if 0 <= k < num_windows:
            sums[k] += ret
            counts[k] += 1
    return [float(s / c) if c else None for s, c in zip(sums, counts)]


def summarize(per_seed: dict) -> dict:
    """{seed: windows} -> mean and std over seeds per window (None where a seed has none)."""
    columns = list(zip(*per_seed.values()))
    mean, std = [], []
    for values in columns:
        known = [v for v in values if v is not None]
        mean.append(float(np.mean(known)) if known else None)
        std.append(float(np.std(known)) if known else None)
    return {"mean": mean, "std": std}


def plot(report: dict, path: str):
    """One panel per game: ours mean +- std over seeds per window, the references as points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    games = list(report["games"])
    fig, axes = plt.subplots(1, len(games), figsize=(3.2 * len(games), 3), squeeze=False)
    window_m = report["window"] / 1e6
    for ax, game in zip(axes[0], games):
        entry = report["games"][game]
        mean = np.array([np.nan if m is None else m for m in entry["mean"]])
        std = np.array([np.nan if s is None else s for s in entry["std"]])
        x = window_m * (np.arange(len(mean)) + 1)
        ax.plot(x, mean, "o-", label=f"tfrainbow ({len(entry['seeds'])} seeds)")
        ax.fill_between(x, mean - std, mean + std, alpha=0.25)
        ref = REFERENCE.get(game, {}) if report["window"] == REFERENCE_WINDOW else {}
        ax.plot([frames / 1e6 for frames in ref], list(ref.values()), "k*", markersize=9,
                label="Revisiting Rainbow")
        ax.set_title(game)
        ax.set_xlabel("frames (M)")
    axes[0][0].set_ylabel(f"mean training return per {window_m:g}M frames")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", default=",".join(GAMES))
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--frames", type=int, default=2_000_000)
    parser.add_argument("--window", type=int, default=1_000_000)
    parser.add_argument("--runs_dir", default="runs/minatar")
    parser.add_argument("--gin_bindings", action="append", default=[])
    parser.add_argument("--out", default="benchmarks/results/minatar_rainbow.json")
    parser.add_argument("--plot", default="benchmarks/results/minatar_rainbow.png")
    args = parser.parse_args()
    games = [g.strip() for g in args.games.split(",") if g.strip()]
    unknown = sorted(set(games) - set(GAMES))
    if unknown:
        raise SystemExit(f"error: unknown MinAtar game(s) {unknown}: choose from {GAMES}.")
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = suite.run_all(
        [(g, s) for g in games for s in seeds], "gin/rainbow/minatar.gin", args.frames,
        args.runs_dir, lambda game, seed: [f"make_env.env_id = 'MinAtar/{game}-v0'",
                                           f"RainbowTrainer.seed = {seed}"]
        + args.gin_bindings)
    num_windows = -(-args.frames // args.window)
    report = {"config": "gin/rainbow/minatar.gin", "frames": args.frames,
              "window": args.window, "machine": suite.machine(), "games": {}}
    print(f"\nMinAtar, Rainbow, {args.frames:,} frames, mean training return per "
          f"{args.window:,}-frame window ({report['machine']})")
    for game in games:
        per_seed, entry = {}, {"seeds": {}}
        for seed in seeds:
            run_dir, results = runs[(game, seed)]
            windows = window_means(read_episodes(run_dir), args.window, num_windows)
            per_seed[seed] = windows
            entry["seeds"][seed] = {
                "windows": windows, "final_greedy_return": results.get("eval_mean_return"),
                "final_greedy_std": results.get("eval_std_return"),
                "env_steps": results.get("env_steps"),
                "wall_clock_s": suite.suite_record(run_dir).get("wall_clock_s")}
        entry.update(summarize(per_seed))
        references = REFERENCE.get(game, {}) if args.window == REFERENCE_WINDOW else {}
        entry["reference_by_frames"] = {str(k): v for k, v in references.items()}
        report["games"][game] = entry
        for k, (mean, std) in enumerate(zip(entry["mean"], entry["std"]), start=1):
            ref = references.get(k * args.window)
            ours = "-" if mean is None else f"{mean:.1f} +- {std:.1f}"
            print(f"{game:>14} window {k:>2}: ours {ours:>14}"
                  + (f"   Revisiting Rainbow ~{ref:g}" if ref is not None else ""))
        greedy = [s["final_greedy_return"] for s in entry["seeds"].values()
                  if s["final_greedy_return"] is not None]
        if greedy:
            print(f"{game:>14} greedy at the end: {np.mean(greedy):.1f} (seeds {seeds})")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    plot(report, args.plot)
    print(f"Wrote {args.out} and {args.plot}.")


if __name__ == "__main__":
    main()
