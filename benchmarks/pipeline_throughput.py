"""End-to-end throughput against the ceilings of its parts, on the same cores.

    python benchmarks/pipeline_throughput.py --env_steps=4000 --impala_env_steps=150000 \
        --out=runs/pipeline.json

Rainbow, CartPole (gin/rainbow/cartpole.gin: 128-unit MLP, batch 128, one update per env
step): the one-process run end to end; the learner alone on a filled table (its ceiling);
the actor alone writing to Reverb with no learner (the actor's ceiling).
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
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from tfrainbow.system import quiet  # noqa: E402

quiet.filter_reverb_info()  # Reverb's and XLA's INFO lines; warnings and errors pass
import gin  # noqa: E402
import numpy as np  # noqa: E402
import reverb  # noqa: E402

from tfrainbow import envs, specs  # noqa: E402
from tfrainbow.replay import tables  # noqa: E402
from tfrainbow import builders  # noqa: E402
from tfrainbow.system import devices  # noqa: E402
from tfrainbow.runtime.actor import Actor  # noqa: E402
from tfrainbow.runtime.train_impala import ImpalaTrainer  # noqa: E402
from tfrainbow.runtime.train_rainbow import RainbowTrainer  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]


def configure(gin_file, *bindings):
    gin.clear_config()
    gin.add_config_file_search_path(str(REPO))
    gin.parse_config_files_and_bindings([str(REPO / gin_file)], list(bindings))


def rainbow_end_to_end(env_steps, updates_per_call):
    configure("gin/rainbow/cartpole.gin", "ReplayConfig.min_size = 128",
              f"ReplayConfig.updates_per_call = {updates_per_call}",
              f"RainbowTrainer.max_env_steps = {env_steps}", "RainbowTrainer.target_return = None",
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
            "updates_per_s_whole_run": results["updates"] / seconds}


def _loose_table(observation_spec, replay):
    """The replay table without the ratio limiter: neither side ever waits."""
    signature = tables.signature_of(specs.transition_spec(observation_spec))
    return reverb.Table(builders.REPLAY_TABLE, reverb.selectors.Prioritized(0.5),
                        reverb.selectors.Fifo(), replay.max_size,
                        reverb.rate_limiters.MinSize(1), signature=signature)


def rainbow_parts(env_steps, updates, updates_per_call):
    configure("gin/rainbow/cartpole.gin", f"ReplayConfig.updates_per_call = {updates_per_call}")
    env = envs.make_vector_env(1)
    env_specs = specs.specs_from_env(env)
    agent = builders.build_rainbow_agent(env_specs)
    replay = builders.ReplayConfig()
    server = reverb.Server([_loose_table(env_specs.observation_spec, replay)], port=None)
    address = f"localhost:{server.port}"
    client = reverb.Client(address)
    writer = replay.writer(client, agent, lambda: 1.0, lambda: False)
    actor = Actor(env, agent.collect_policy, [writer])
    start = time.monotonic()
    actor.run(lambda: False, env_steps)  # the actor alone: act and write, nobody samples
    actor_rate = env_steps / (time.monotonic() - start)
    learner = replay.learner(agent, address)
    for _ in range(5):
        learner.step()  # trace
    calls = max(1, updates // updates_per_call)
    start = time.monotonic()
    for _ in range(calls):
        learner.step()
    learner_rate = calls * updates_per_call / (time.monotonic() - start)
    writer.close()
    server.stop()
    return {"actor_alone_env_steps_per_s": actor_rate, "learner_alone_updates_per_s": learner_rate}


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
    parser.add_argument("--env_steps", type=int, default=4000)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--updates_per_call", type=int, default=4,
                        help="Rainbow updates per compiled call (cartpole.gin ships 4)")
    parser.add_argument("--impala_env_steps", type=int, default=150_000)
    parser.add_argument("--impala_actors", default="1,2,4",
                        help="actor counts to run; empty: Rainbow only")
    parser.add_argument("--raw_seconds", type=float, default=20.0)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    k = args.updates_per_call
    rows = {}
    # Parts, end to end, parts: the end-to-end run is held against the mean of the parts
    # measured either side of it (the machine's speed drifts by the minute).
    before = rainbow_parts(args.env_steps, args.updates, k)
    rows.update({f"end_to_end_{name}": value
                 for name, value in rainbow_end_to_end(args.env_steps, k).items()})
    after = rainbow_parts(args.env_steps, args.updates, k)
    for name in before:
        rows[name] = (before[name] + after[name]) / 2
        rows[f"{name}_before_after"] = [before[name], after[name]]
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

    print(f"\nRainbow, CartPole, gin/rainbow/cartpole.gin (MLP 128, batch 128, 1 update per "
          f"env step), {k} update(s) per call, {os.cpu_count()} cores, CPU")
    learner_alone = rows["learner_alone_updates_per_s"]
    print(f"  actor alone          {rows['actor_alone_env_steps_per_s']:9.1f} env steps/s "
          f"(mean of before and after the end-to-end run)")
    print(f"  learner alone        {learner_alone:9.1f} updates/s (likewise: "
          f"{rows['learner_alone_updates_per_s_before_after'][0]:.1f} and "
          f"{rows['learner_alone_updates_per_s_before_after'][1]:.1f})")
    print(f"  end to end           {rows['end_to_end_updates_per_s']:9.1f} updates/s, "
          f"{rows['end_to_end_env_steps_per_s']:.1f} env steps/s = "
          f"{rows['end_to_end_updates_per_s'] / learner_alone:.0%} of the learner alone "
          f"(first update to last; whole run with start-up and export: "
          f"{rows['end_to_end_updates_per_s_whole_run']:.1f} updates/s)")
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
