"""Memory per Atari transition in a Reverb server: frame-once replay against stacked
observations, on real Pong frames and on incompressible random frames.

    python benchmarks/replay_bytes.py --transitions=20000 --out=runs/replay-bytes.json

Each case starts a fresh server process with the Rainbow replay table (n = 3), writes
`--transitions` items through the real NStepTransitionWriter, and reports the growth of the
server's resident memory (VmRSS) per item, what a 1M-transition replay costs in RAM, and
the size of a Reverb checkpoint of the table per item (the stored chunks and items alone,
without allocator overhead).
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import reverb  # noqa: E402

from tfrainbow.replay.writers import NStepTransitionWriter  # noqa: E402

SERVER = """
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import reverb, tensorflow as tf
from tfrainbow.replay.tables import signature_of
from tfrainbow.replay.writers import stored_observation_spec
from tfrainbow.specs import transition_spec
k, path = int(sys.argv[1]), sys.argv[2]
spec = stored_observation_spec(tf.TensorSpec([84, 84, 4], tf.uint8), k)
table = reverb.Table("replay", reverb.selectors.Prioritized(0.5), reverb.selectors.Fifo(),
                     10**7, reverb.rate_limiters.MinSize(1),
                     signature=signature_of(transition_spec(spec)))
server = reverb.Server([table], port=None,
                       checkpointer=reverb.checkpointers.DefaultCheckpointer(path))
print(server.port, flush=True)
server.wait()
"""


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def pong_stacks(count: int):
    """Stacks from real Pong play (random actions), episode ends marked."""
    from tfrainbow.envs import atari

    env = atari.make_atari_vector_env("ALE/Pong-v5", num_envs=1)
    obs, _ = env.reset(seed=0)
    rng = np.random.default_rng(0)
    yield obs[0], None
    for _ in range(count):
        obs, _, term, trunc, info = env.step(rng.integers(0, 6, 1))
        done = bool(term[0] or trunc[0])
        yield (info["final_obs"][0] if done else obs[0]), (term[0], trunc[0], obs[0])


def random_stacks(count: int):
    """Incompressible frames with the stack's one-frame shift."""
    rng = np.random.default_rng(0)
    stack = rng.integers(0, 256, (84, 84, 4), dtype=np.uint8)
    yield stack, None
    for _ in range(count):
        stack = np.concatenate([stack[..., 1:], rng.integers(0, 256, (84, 84, 1), np.uint8)], -1)
        yield stack, (False, False, None)


def measure(frames: str, frame_stack: int, transitions: int) -> dict:
    checkpoints = tempfile.mkdtemp(prefix="replay-bytes-")
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(frame_stack), checkpoints],
                              stdout=subprocess.PIPE, text=True)
    port = int(server.stdout.readline())
    try:
        client = reverb.Client(f"localhost:{port}")
        time.sleep(1.0)
        before = rss_bytes(server.pid)
        writer = NStepTransitionWriter(client, "replay", 3, 0.99, frame_stack=frame_stack)
        source = pong_stacks(transitions) if frames == "pong" else random_stacks(transitions)
        first, _ = next(source)
        writer.reset(first)
        for observation, (terminated, truncated, next_first) in source:
            writer.step(0, 0.0, terminated, truncated, observation)
            if terminated or truncated:
                writer.reset(next_first)
        writer.flush(0)
        items = client.server_info()["replay"].current_size
        time.sleep(1.0)
        grown = rss_bytes(server.pid) - before
        writer.close()
        stored = sum(f.stat().st_size for f in pathlib.Path(client.checkpoint()).rglob("*")
                     if f.is_file())
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(checkpoints, ignore_errors=True)
    return {"frames": frames, "frame_stack": frame_stack, "items": items,
            "bytes_per_transition": round(grown / items),
            "checkpoint_bytes_per_transition": round(stored / items)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transitions", type=int, default=20_000)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    rows = []
    print(f"{'frames':>8} {'storage':>22} {'items':>8} {'RSS bytes/transition':>21} "
          f"{'checkpoint bytes/transition':>28}")
    for frames in ("pong", "random"):
        for frame_stack in (4, 1):
            row = measure(frames, frame_stack, args.transitions)
            storage = "frame once (k = 4)" if frame_stack == 4 else "stacked s and s'"
            print(f"{frames:>8} {storage:>22} {row['items']:>8,} "
                  f"{row['bytes_per_transition']:>21,} "
                  f"{row['checkpoint_bytes_per_transition']:>28,}", flush=True)
            rows.append(row)
    print(f"(one uncompressed 84x84 frame: {84 * 84:,} bytes; a stack: {84 * 84 * 4:,})")
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
