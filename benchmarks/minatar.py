"""MinAtar: Rainbow (gin/rainbow/minatar.gin) or IMPALA (gin/impala/minatar.gin) on the five
games, resumable, beside Revisiting Rainbow's Rainbow (Obando-Ceron & Castro 2021).

    python benchmarks/minatar.py --games=Breakout,Asterix --seeds=0,1 --frames=2000000
    python benchmarks/minatar.py --agent=impala --frames=10000000

Per game and seed it reports the mean training return of each window of --window frames
(MinAtar has no frame skip: frames = env steps), the metric of Revisiting Rainbow's curves,
and the evaluation at the end on 100 episodes (Rainbow: greedy; IMPALA: sampled from pi, the
paper's protocol, and greedy beside it); prints them beside the reference values at the same
window; writes --out (JSON) and --plot (PNG, a panel per game: mean +- std over seeds, the
references as points). A finished (game, seed) is kept and not rerun, an unfinished one
resumes from its checkpoint: the suite can be completed over several sittings.
"""
import argparse
import json
import os
import pathlib
import subprocess
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


GREEDY_FILE = "eval_greedy.json"  # in an IMPALA run directory: its greedy evaluation


def greedy_evaluation(run_dir: str, episodes: int) -> dict:
    """An IMPALA run's final checkpoint evaluated greedily (argmax pi) on the episodes of its
    final evaluation, kept in run_dir/eval_greedy.json (computed once)."""
    path = os.path.join(run_dir, GREEDY_FILE)
    if not os.path.exists(path):
        subprocess.run([sys.executable, "-m", "binaries.evaluate", f"--root_dir={run_dir}",
                        "--gin_bindings=ImpalaAgent.greedy_evaluation = True",
                        f"--num_episodes={episodes}", f"--output={path}"],
                       cwd=suite.REPO, check=True)
    with open(path) as f:
        return json.load(f)


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
        ax.plot(x, mean, "o-", label=f"tfrainbow {report['agent']} (mean +- std)")
        ax.fill_between(x, mean - std, mean + std, alpha=0.25)
        ref = REFERENCE.get(game, {}) if report["window"] == REFERENCE_WINDOW else {}
        ax.plot([frames / 1e6 for frames in ref], list(ref.values()), "k*", markersize=9,
                label="Revisiting Rainbow's Rainbow")
        seeds = len(entry["seeds"])  # games fill in over sittings: each panel says its own
        ax.set_title(f"{game} ({seeds} seed{'s' if seeds != 1 else ''})")
        ax.set_xlabel("frames (M)")
    axes[0][0].set_ylabel(f"mean training return per {window_m:g}M frames")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def seed_entry(agent: str, run_dir: str, results: dict, window: int, num_windows: int) -> dict:
    """One (game, seed)'s part of the report, from its run directory."""
    entry = {"windows": window_means(read_episodes(run_dir), window, num_windows),
             "final_eval_return": results.get("eval_mean_return"),
             "final_eval_std": results.get("eval_std_return"),
             "final_eval_policy": results.get("eval_policy", "greedy"),
             "env_steps": results.get("env_steps"),
             "wall_clock_s": suite.suite_record(run_dir).get("wall_clock_s"),
             "machines": suite.suite_record(run_dir).get("machines", [])}
    if agent == "impala" and results:
        greedy = greedy_evaluation(run_dir, results.get("eval_episodes", 100))
        entry.update(final_greedy_return=greedy["mean_return"],
                     final_greedy_std=greedy["std_return"])
    return entry


def make_parser() -> argparse.ArgumentParser:
    """The command line (tests/benchmarks/test_results.py reads documented commands with it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agent", default="rainbow", choices=sorted(suite.TRAINERS))
    parser.add_argument("--games", default=",".join(GAMES))
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--frames", type=int, default=2_000_000)
    parser.add_argument("--window", type=int, default=1_000_000)
    parser.add_argument("--runs_dir", default=None, help="default: runs/minatar-AGENT")
    parser.add_argument("--gin_bindings", action="append", default=[])
    parser.add_argument("--out", default=None,
                        help="default: benchmarks/results/minatar_AGENT.json")
    parser.add_argument("--plot", default=None,
                        help="default: benchmarks/results/minatar_AGENT.png")
    return parser


def report_settings(args) -> tuple:
    """(out, settings): the report a command writes and the settings it must hold
    (suite.earlier_report refuses a report of others)."""
    out = args.out or f"benchmarks/results/minatar_{args.agent}.json"
    gin_file = f"gin/{args.agent}/minatar.gin"
    return out, {"agent": args.agent, "config": gin_file,
                 "config_sha1": suite.config_digest(gin_file),
                 "gin_bindings": args.gin_bindings, "frames": args.frames,
                 "window": args.window}


def main():
    args = make_parser().parse_args()
    agent, trainer = args.agent, suite.TRAINERS[args.agent][1]
    runs_dir = args.runs_dir or f"runs/minatar-{agent}"
    out, settings = report_settings(args)
    plot_path = args.plot or f"benchmarks/results/minatar_{agent}.png"
    gin_file = settings["config"]
    games = [g.strip() for g in args.games.split(",") if g.strip()]
    unknown = sorted(set(games) - set(GAMES))
    if unknown:
        raise SystemExit(f"error: unknown MinAtar game(s) {unknown}: choose from {GAMES}.")
    seeds = [int(s) for s in args.seeds.split(",")]
    earlier = suite.earlier_report(out, settings).get("games", {})  # checked before training
    def bindings_of(game, seed):
        return [f"make_env.env_id = 'MinAtar/{game}-v0'", f"{trainer}.seed = {seed}"] + \
            args.gin_bindings

    runs = suite.run_all([(g, s) for g in games for s in seeds], gin_file, args.frames,
                         runs_dir, bindings_of, agent)
    # The report: this sitting's runs and every other one finished earlier at this budget.
    runs = {**suite.finished_in(runs_dir, GAMES, args.frames, gin_file, bindings_of), **runs}
    num_windows = -(-args.frames // args.window)
    entries = {key: seed_entry(agent, run_dir, results, args.window, num_windows)
               for key, (run_dir, results) in runs.items()}
    for game, entry in earlier.items():  # runs of earlier sittings, on other machines too
        for seed, kept in entry["seeds"].items():
            entries.setdefault((game, int(seed)), kept)
    games = [g for g in GAMES if any(game == g for game, _ in entries)]
    report = {**settings, "machines": suite.machines_of(entries.values()), "games": {}}
    print(f"\nMinAtar, {agent}, {args.frames:,} frames, mean training return per "
          f"{args.window:,}-frame window (trained on: {'; '.join(report['machines'])})")
    for game in games:
        per_seed, entry = {}, {"seeds": {}}
        seeds = sorted(seed for name, seed in entries if name == game)
        for seed in seeds:
            entry["seeds"][seed] = entries[(game, seed)]
            per_seed[seed] = entry["seeds"][seed]["windows"]
        entry.update(summarize(per_seed))
        references = REFERENCE.get(game, {}) if args.window == REFERENCE_WINDOW else {}
        entry["reference_by_frames"] = {str(k): v for k, v in references.items()}
        report["games"][game] = entry
        for k, (mean, std) in enumerate(zip(entry["mean"], entry["std"]), start=1):
            ref = references.get(k * args.window)
            ours = "-" if mean is None else f"{mean:.1f} +- {std:.1f}"
            print(f"{game:>14} window {k:>2}: ours {ours:>14}"
                  + (f"   Revisiting Rainbow ~{ref:g}" if ref is not None else ""))
        for key, what in (("final_eval_return", "evaluation"),
                          ("final_greedy_return", "greedy evaluation")):
            values = [s[key] for s in entry["seeds"].values() if s.get(key) is not None]
            policy = ("greedy" if key == "final_greedy_return"
                      else next(iter(entry["seeds"].values()))["final_eval_policy"])
            if values and (key == "final_eval_return" or agent == "impala"):
                print(f"{game:>14} {what} at the end ({policy}): {np.mean(values):.1f} "
                      f"(seeds {seeds})")
        clocks = [s["wall_clock_s"] for s in entry["seeds"].values() if s["wall_clock_s"]]
        if clocks:
            print(f"{game:>14} wall-clock per seed: {np.mean(clocks) / 60:.1f} min")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "w") as f:
        json.dump(report, f, indent=2)
    plot(report, plot_path)
    print(f"Wrote {out} and {plot_path}.")


if __name__ == "__main__":
    main()
