"""Atari-100k: data-efficient Rainbow (gin/rainbow/atari100k.gin) on a list of games, each
trained for --env_steps agent steps (100k = 400k frames) and evaluated greedily under the
standard protocol (100 episodes side by side on one AtariVectorEnv), printed beside the
published data-efficient Rainbow scores with the human-normalized mean and median.

    python benchmarks/atari100k.py --games=Pong,Breakout,Boxing,Freeway --seeds=0

Resumable, one game at a time: a finished (game, seed) under --runs_dir is kept and not
rerun, an unfinished one resumes from its checkpoint. Writes --out (JSON).
"""
import argparse
import json
import os
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from benchmarks import suite  # noqa: E402
from tfrainbow.envs.atari_scores import (DATA_EFFICIENT_RAINBOW,  # noqa: E402
                                         human_normalized, summarize)


GIN_FILE = "gin/rainbow/atari100k.gin"


def make_parser() -> argparse.ArgumentParser:
    """The command line (tests/benchmarks/test_results.py reads documented commands with it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", default="Pong,Breakout,Boxing,Freeway")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--env_steps", type=int, default=100_000)
    parser.add_argument("--eval_episodes", type=int, default=100)
    parser.add_argument("--log_interval_s", type=float, default=60.0)
    parser.add_argument("--gin_bindings", action="append", default=[])
    parser.add_argument("--runs_dir", default="runs/atari100k")
    parser.add_argument("--out", default="benchmarks/results/atari100k_rainbow.json")
    return parser


def report_settings(args) -> tuple:
    """(out, settings): the report a command writes and the settings it must hold
    (suite.earlier_report refuses a report of others)."""
    return args.out, {"config": GIN_FILE, "config_sha1": suite.config_digest(GIN_FILE),
                      "env_steps": args.env_steps, "eval_episodes": args.eval_episodes,
                      "gin_bindings": args.gin_bindings}


def main():
    args = make_parser().parse_args()
    games = [g.strip() for g in args.games.split(",") if g.strip()]
    seeds = [int(s) for s in args.seeds.split(",")]
    _, settings = report_settings(args)
    earlier = suite.earlier_report(args.out, settings).get("runs", [])  # before training
    def bindings_of(game, seed):
        return [f"make_env.env_id = 'ALE/{game}-v5'",
                f"RainbowTrainer.eval_interval = {10 * args.env_steps}",  # once, at the end
                f"RainbowTrainer.eval_episodes = {args.eval_episodes}",
                f"RainbowTrainer.seed = {seed}",
                f"RainbowTrainer.log_interval_s = {args.log_interval_s}"] + args.gin_bindings

    runs = suite.run_all([(g, s) for g in games for s in seeds], GIN_FILE, args.env_steps,
                         args.runs_dir, bindings_of)
    # The report: this sitting's runs and every other game finished earlier at this budget.
    runs = {**suite.finished_in(args.runs_dir, sorted(DATA_EFFICIENT_RAINBOW), args.env_steps,
                                GIN_FILE, bindings_of), **runs}
    rows = []
    for (game, seed), (run_dir, results) in runs.items():
        score = results["eval_mean_return"]
        rows.append({"game": game, "seed": seed, "env_steps": results["env_steps"],
                     "updates": results["updates"], "return": score,
                     "return_std": results.get("eval_std_return"),
                     "hns": human_normalized(game, score),
                     "eval_policy": results.get("eval_policy", "greedy"),
                     "wall_clock_s": suite.suite_record(run_dir).get("wall_clock_s"),
                     "machines": suite.suite_record(run_dir).get("machines", [])})
    # Runs of earlier sittings (their run directories may be gone with their machines).
    rows += [row for row in earlier if (row["game"], row["seed"]) not in runs]
    games = list(dict.fromkeys(games + [row["game"] for row in rows]))
    seeds = sorted({row["seed"] for row in rows})
    machines = suite.machines_of(rows)
    print(f"\nAtari, {args.env_steps:,} agent steps, greedy evaluation over "
          f"{args.eval_episodes} episodes, seeds {seeds} (trained on: {'; '.join(machines)})")
    print(f"{'game':>14} {'ours':>10} {'HNS':>7} {'DER 2019':>10} {'DER HNS':>8} "
          f"{'wall-clock/seed':>16}")
    per_game = []
    for game in games:
        mine = [r for r in rows if r["game"] == game]
        score = statistics.mean(r["return"] for r in mine)
        hns = human_normalized(game, score)
        published = DATA_EFFICIENT_RAINBOW.get(game)
        der = f"{published:10.1f}" if published is not None else f"{'-':>10}"
        der_hns = (f"{human_normalized(game, published):8.3f}" if published is not None
                   else f"{'-':>8}")
        seconds = statistics.mean(r["wall_clock_s"] or 0.0 for r in mine)
        print(f"{game:>14} {score:10.1f} {hns:7.3f} {der} {der_hns} {seconds:15.0f}s")
        per_game.append({"game": game, "return": score, "hns": hns,
                         "der_return": published, "wall_clock_s_per_seed": seconds})
    overall = summarize(g["hns"] for g in per_game)
    print(f"median HNS {overall['median_hns']:.3f}, mean HNS {overall['mean_hns']:.3f} over "
          f"{overall['games']} games")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({**settings, "machines": machines, "runs": rows,
                   **overall, "games": per_game}, f, indent=2)  # per game, not summarize's count
    print(f"Wrote {args.out}.")


if __name__ == "__main__":
    main()
