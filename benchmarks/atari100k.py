"""Atari-100k: data-efficient Rainbow (gin/rainbow/atari100k.gin) on a list of games, each
trained for --env_steps agent steps (100k = 400k frames) and evaluated greedily under the
standard protocol, printed beside the published data-efficient Rainbow scores.

    python benchmarks/atari100k.py --games=Pong,Breakout,Boxing --seeds=0,1 \
        --env_steps=100000 --eval_episodes=100 --out=runs/atari100k

Writes OUT/GAME-sSEED/ (a normal run directory) and OUT/summary.json.
"""
import argparse
import json
import os
import pathlib
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import gin  # noqa: E402

from tfrainbow.envs.atari_scores import (DATA_EFFICIENT_RAINBOW,  # noqa: E402
                                         human_normalized, summarize)
from tfrainbow import builders  # noqa: E402,F401  (gin registrations)
from tfrainbow.runtime.train_rainbow import RainbowTrainer  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]


def train_and_evaluate(game: str, seed: int, args) -> dict:
    gin.clear_config()
    gin.add_config_file_search_path(str(REPO))
    gin.parse_config_files_and_bindings([str(REPO / "gin/rainbow/atari100k.gin")], [
        f"make_env.env_id = 'ALE/{game}-v5'",
        f"RainbowTrainer.max_env_steps = {args.env_steps}",
        f"RainbowTrainer.eval_interval = {10 * args.env_steps}",  # evaluated once, at the end
        f"RainbowTrainer.eval_episodes = {args.eval_episodes}",
        f"RainbowTrainer.seed = {seed}",
        f"RainbowTrainer.log_interval_s = {args.log_interval_s}",
    ] + list(args.gin_bindings))
    start = time.monotonic()
    results = RainbowTrainer(os.path.join(args.out, f"{game}-s{seed}")).run()
    score = results["eval_mean_return"]
    return {"game": game, "seed": seed, "env_steps": results["env_steps"],
            "updates": results["updates"], "return": score,
            "hns": human_normalized(game, score),
            "wall_clock_s": round(time.monotonic() - start, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", default="Pong,Breakout,Boxing")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--env_steps", type=int, default=100_000)
    parser.add_argument("--eval_episodes", type=int, default=100)
    parser.add_argument("--log_interval_s", type=float, default=60.0)
    parser.add_argument("--gin_bindings", action="append", default=[])
    parser.add_argument("--out", default="runs/atari100k")
    args = parser.parse_args()
    games = [g.strip() for g in args.games.split(",") if g.strip()]
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = [train_and_evaluate(game, seed, args) for game in games for seed in seeds]

    print(f"\nAtari, {args.env_steps:,} agent steps, greedy evaluation over "
          f"{args.eval_episodes} episodes, seeds {seeds}")
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
        seconds = statistics.mean(r["wall_clock_s"] for r in mine)
        print(f"{game:>14} {score:10.1f} {hns:7.3f} {der} {der_hns} {seconds:15.0f}s")
        per_game.append({"game": game, "return": score, "hns": hns,
                         "der_return": published, "wall_clock_s_per_seed": seconds})
    overall = summarize(g["hns"] for g in per_game)
    print(f"median HNS {overall['median_hns']:.3f}, mean HNS {overall['mean_hns']:.3f} over "
          f"{overall['games']} games")
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"env_steps": args.env_steps, "eval_episodes": args.eval_episodes,
                   "runs": rows, "games": per_game, **overall}, f, indent=2)


if __name__ == "__main__":
    main()
