"""End-to-end throughput against the ceilings of its parts, on the same cores.

    python benchmarks/pipeline_throughput.py --env_steps=4000 --impala_env_steps=150000 \
        --out=runs/pipeline.json

Rainbow, --rainbow=cartpole (gin/rainbow/cartpole.gin: 128-unit MLP, batch 128, one update
per env step), minatar (gin/rainbow/minatar.gin on Breakout: one update per 4 env steps) or
atari100k (gin/rainbow/atari100k.gin on Pong: Nature CNN, one update per agent step), with
--rainbow_bindings on top: the one-process run end to end; the learner alone on a filled
table (its ceiling); the actor alone writing to Reverb with no learner (the actor's
ceiling, whose inverse is the collect policy's per-step cost with its env step and write).
IMPALA, CartPole (gin/impala/cartpole.gin): learner-consumed env steps/s (updates x batch
x unroll length, from the learner's first update once every actor has written an unroll
to its last) with 1, 2 and 4 actor processes, against raw env steps/s of 2 processes
stepping the same vector envs with the same policy network's inference and nothing else
(the ceiling on these cores), measured before and after each run.
"""
import argparse
import json
import multiprocessing
import os
import pathlib
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Run as a script, this file's folder comes first on sys.path, where benchmarks/minatar.py
# would hide the minatar package: the repository root instead.
HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
from benchmarks import suite  # noqa: E402
from tfrainbow.system import quiet  # noqa: E402

if __name__ == "__main__":  # as a script (a test importing it keeps its own stderr)
    quiet.filter_reverb_info()  # Reverb's and XLA's INFO lines; warnings and errors pass
import gin  # noqa: E402
import numpy as np  # noqa: E402
import reverb  # noqa: E402

from tfrainbow import envs, specs  # noqa: E402
from tfrainbow.replay import tables, writers  # noqa: E402
from tfrainbow import builders  # noqa: E402
from tfrainbow.system import devices  # noqa: E402
from tfrainbow.runtime.actor import Actor  # noqa: E402
from tfrainbow.runtime.train_impala import ImpalaTrainer  # noqa: E402
from tfrainbow.runtime.train_rainbow import RainbowTrainer  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]


# --rainbow: (gin file, bindings for the measurement, what it runs).
RAINBOW = {
    "cartpole": ("gin/rainbow/cartpole.gin", ["ReplayConfig.min_size = 128"],
                 "CartPole, MLP 128, batch 128, 1 update per env step"),
    "minatar": ("gin/rainbow/minatar.gin", ["make_env.env_id = 'MinAtar/Breakout-v0'"],
                "MinAtar Breakout, the MinAtar network, batch 32, 1 update per 4 env steps"),
    "atari100k": ("gin/rainbow/atari100k.gin", ["make_env.env_id = 'ALE/Pong-v5'"],
                  "Atari-100k Pong, Nature CNN, batch 32, 1 update per agent step")}


def configure(gin_file, *bindings):
    gin.clear_config()
    gin.add_config_file_search_path(str(REPO))
    gin.parse_config_files_and_bindings([str(REPO / gin_file)], list(bindings))


def rainbow_end_to_end(config, env_steps, bindings):
    gin_file, own, _ = RAINBOW[config]
    configure(gin_file, *own, *bindings)
    warm = builders.ReplayConfig().min_size  # env_steps of training after the warm-up
    configure(gin_file, *own, *bindings, f"RainbowTrainer.max_env_steps = {warm + env_steps}",
              "RainbowTrainer.target_return = None",
              "RainbowTrainer.eval_interval = 100000000", "RainbowTrainer.eval_episodes = 1",
              "RainbowTrainer.log_interval_s = 1000.0")
    with tempfile.TemporaryDirectory() as root:
        trainer = RainbowTrainer(root)
        start = time.monotonic()
        results = trainer.run()
        seconds = time.monotonic() - start
    # From the first update to the last, as the learner alone is timed after its tracing
    # (the whole run also holds the replay's warm-up, tracing, the final evaluation and the
    # SavedModel export: its rate is printed beside).
    return {"env_steps_per_s": results["training_env_steps_per_s"],
            "updates_per_s": results["training_updates_per_s"],
            "updates_per_s_whole_run": results["updates"] / seconds,
            "whole_run_s": seconds, "updates": results["updates"]}


def _loose_table(observation_spec, replay):
    """The replay table without the ratio limiter: neither side ever waits."""
    signature = tables.signature_of(specs.transition_spec(
        writers.stored_observation_spec(observation_spec, replay.frame_stack)))
    return reverb.Table(builders.REPLAY_TABLE, reverb.selectors.Prioritized(0.5),
                        reverb.selectors.Fifo(), replay.max_size,
                        reverb.rate_limiters.MinSize(1), signature=signature)


def rainbow_parts(config, env_steps, updates, bindings):
    gin_file, own, _ = RAINBOW[config]
    configure(gin_file, *own, *bindings)
    replay = builders.ReplayConfig()
    env = envs.make_vector_env(replay.envs_per_actor)
    env_specs = specs.specs_from_env(env)
    agent = builders.build_rainbow_agent(env_specs)
    server = reverb.Server([_loose_table(env_specs.observation_spec, replay)], port=None)
    address = f"localhost:{server.port}"
    client = reverb.Client(address)
    env_writers = [replay.writer(client, lambda: 1.0, lambda: False)
                   for _ in range(env.num_envs)]
    limit = [min(200, env_steps)]  # first the policy's tracing (and XLA compile), untimed
    actor = Actor(env, agent.collect_policy, env_writers, lambda: actor.env_steps >= limit[0])
    actor.run()
    limit[0] += env_steps
    start = time.monotonic()
    actor.run()  # the actor alone: act and write, nobody samples
    actor_rate = env_steps / (time.monotonic() - start)
    learner = replay.learner(agent, address)
    for _ in range(5):
        learner.step()  # trace
    updates_per_call = replay.updates_per_call
    calls = max(1, updates // updates_per_call)
    start = time.monotonic()
    for _ in range(calls):
        learner.step()
    learner_rate = calls * updates_per_call / (time.monotonic() - start)
    for writer in env_writers:
        writer.close()
    server.stop()
    return {"actor_alone_env_steps_per_s": actor_rate, "learner_alone_updates_per_s": learner_rate,
            "updates_per_call": updates_per_call,
            "updates_per_env_step": replay.updates_per_transition, "envs": env.num_envs}


def impala(num_actors, env_steps):
    configure("gin/impala/cartpole.gin", f"ImpalaTrainer.num_actors = {num_actors}",
              f"ImpalaTrainer.max_env_steps = {env_steps}", "ImpalaTrainer.target_return = None",
              "ImpalaTrainer.eval_interval = 100000000", "ImpalaTrainer.eval_episodes = 1")
    with tempfile.TemporaryDirectory() as root:
        results = ImpalaTrainer(root).run()
    return results["trained_env_steps_per_s"], results["env_steps_per_s"]


def _raw_worker(seconds, num_envs, counter):
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import tensorflow as tf

    devices.cpu_only()  # as the actors
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    configure("gin/impala/cartpole.gin")
    env = envs.make_vector_env(num_envs)
    agent = builders.build_impala_agent(specs.specs_from_env(env))
    obs, _ = env.reset(seed=0)
    first, state = np.ones(num_envs, bool), agent.network.initial_state(num_envs)
    step = agent.collect_policy.compiled_step(num_envs)  # the actors' own call
    steps, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        actions, _, state = step(tf.constant(obs), tf.constant(first), state)
        obs, _, terminated, truncated, _ = env.step(actions.numpy())
        first = terminated | truncated
        steps += num_envs
    with counter.get_lock():
        counter.value += steps


def raw_env_steps_per_s(processes, num_envs, seconds):
    context = multiprocessing.get_context("spawn")
    counter = context.Value("q", 0)
    workers = [context.Process(target=_raw_worker, args=(seconds, num_envs, counter))
               for _ in range(processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return counter.value / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env_steps", type=int, default=4000,
                        help="env steps of the actor alone, and of the end-to-end run after "
                             "its replay warm-up")
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--rainbow", choices=sorted(RAINBOW), default="cartpole")
    parser.add_argument("--rainbow_bindings", action="append", default=[],
                        help="gin bindings on top, e.g. 'ReplayConfig.envs_per_actor = 4'")
    parser.add_argument("--full_run_env_steps", type=int, default=0,
                        help="extrapolate a run of this many env steps from the rates")
    parser.add_argument("--impala_env_steps", type=int, default=150_000)
    parser.add_argument("--impala_actors", default="1,2,4",
                        help="actor counts to run; empty: Rainbow only")
    parser.add_argument("--raw_seconds", type=float, default=20.0)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    config, bindings = args.rainbow, args.rainbow_bindings
    rows = {}
    # Parts, end to end, parts: the end-to-end run is held against the mean of the parts
    # measured either side of it (the machine's speed drifts by the minute).
    before = rainbow_parts(config, args.env_steps, args.updates, bindings)
    rows.update({f"end_to_end_{name}": value for name, value in
                 rainbow_end_to_end(config, args.env_steps, bindings).items()})
    after = rainbow_parts(config, args.env_steps, args.updates, bindings)
    for name in before:
        if name.endswith("_per_s"):  # rates: the mean of the two; the rest is the config's
            rows[name] = (before[name] + after[name]) / 2
            rows[f"{name}_before_after"] = [before[name], after[name]]
        else:
            rows[name] = before[name]
    actor_counts = [int(a) for a in args.impala_actors.split(",") if a.strip()]
    # Raw, pipeline, raw, pipeline, ..., raw: each pipeline run is held against the mean of
    # the raw runs either side of it (the machine's speed drifts by the minute).
    raws = [raw_env_steps_per_s(2, 8, args.raw_seconds)] if actor_counts else []
    for n in actor_counts:
        (rows[f"impala_{n}_actors_trained_env_steps_per_s"],
         rows[f"impala_{n}_actors_env_steps_per_s_with_start_up"]) = impala(
            n, args.impala_env_steps)
        raws.append(raw_env_steps_per_s(2, 8, args.raw_seconds))
        rows[f"impala_{n}_actors_raw_env_steps_per_s"] = (raws[-2] + raws[-1]) / 2
    rows["impala_raw_env_steps_per_s_2_processes"] = raws

    k = rows["updates_per_call"]
    print(f"\nRainbow, {RAINBOW[config][2]} ({RAINBOW[config][0]}"
          + "".join(f"; {b}" for b in bindings) + f"), {k} update(s) per call, "
          f"{suite.machine()}, CPU")
    learner_alone = rows["learner_alone_updates_per_s"]
    actor = rows["actor_alone_env_steps_per_s"]
    print(f"  actor alone          {actor:9.1f} env steps/s = {1000 / actor:.2f} ms per env "
          f"step with its policy call and write (mean of before and after the end-to-end run)")
    print(f"  learner alone        {learner_alone:9.1f} updates/s (likewise: "
          f"{rows['learner_alone_updates_per_s_before_after'][0]:.1f} and "
          f"{rows['learner_alone_updates_per_s_before_after'][1]:.1f})")
    print(f"  end to end           {rows['end_to_end_updates_per_s']:9.1f} updates/s, "
          f"{rows['end_to_end_env_steps_per_s']:.1f} env steps/s = "
          f"{rows['end_to_end_updates_per_s'] / learner_alone:.0%} of the learner alone "
          f"(first update to last; whole run with start-up and export: "
          f"{rows['end_to_end_updates_per_s_whole_run']:.1f} updates/s)")
    per_step = rows["updates_per_env_step"]
    if args.full_run_env_steps:  # a budget's wall-clock from these rates, said as such
        warm = builders.ReplayConfig().min_size
        seconds = (warm / actor + (args.full_run_env_steps - warm) * per_step
                   / rows["end_to_end_updates_per_s"])
        print(f"  {args.full_run_env_steps:,} env steps extrapolated from these rates: "
              f"{seconds / 60:.1f} min ({warm:,}-step warm-up at the actor's rate, the rest at "
              f"the end-to-end rate; tracing and the final evaluation not included)")
        rows["full_run_extrapolated_s"] = seconds
    if actor_counts:  # --impala_actors= (empty): Rainbow only
        print("IMPALA, CartPole, gin/impala/cartpole.gin (8 envs per actor, unrolls of 20, "
              "batches of 32)")
        print("  raw: env steps/s of 2 processes stepping 8 envs each with the actors' policy "
              "call, measured before and after each run (mean of the two)")
    for n in actor_counts:
        value = rows[f"impala_{n}_actors_trained_env_steps_per_s"]
        whole = rows[f"impala_{n}_actors_env_steps_per_s_with_start_up"]
        raw = rows[f"impala_{n}_actors_raw_env_steps_per_s"]
        print(f"  {n} actor(s), learner-consumed env steps/s: {value:9.1f} = {value / raw:.0%}"
              f" of raw {raw:.1f} (whole run, actor start-up included: {whole:.1f})")
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump({"args": vars(args), **rows}, f, indent=2)


if __name__ == "__main__":
    main()
