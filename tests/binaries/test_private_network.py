"""The one-process trainers' embedded Reverb servers are reachable from the trainer and its
actors only: the process (and every actor process it starts) runs in a private network
namespace whose one interface is loopback, where Reverb's listening socket lives; with
--bind_all_interfaces it stays in the caller's network and says so."""
import os
import signal
import subprocess
import sys
import time

from tests.binaries.test_train_rainbow_binary import ENV, REPO
from tests.runtime.test_train_impala import BINDINGS as IMPALA_BINDINGS
from tests.runtime.tiny_run import TINY_BINDINGS

LISTEN = "0A"  # TCP state in /proc/net/tcp{,6}


def netns(pid) -> str:
    return os.readlink(f"/proc/{pid}/ns/net")


def interfaces(pid) -> set:
    with open(f"/proc/{pid}/net/dev") as f:
        return {line.split(":")[0].strip() for line in f.readlines()[2:]}


def listening_ports(pid) -> set:
    ports = set()
    for name in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{name}") as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                if state == LISTEN:
                    ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


def children(pid) -> list:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(c) for c in f.read().split()]
    return found


def start(binary, bindings, *flags):
    return subprocess.Popen(
        [sys.executable, "-m", f"binaries.{binary}", *flags]
        + [f"--gin_bindings={b}" for b in bindings], cwd=REPO, env=ENV,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_line(process, text, timeout_s=120):
    seen, deadline = [], time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"no {text!r} within {timeout_s} s:\n" + "".join(seen[-30:]))


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def test_train_impala_and_its_actors_share_the_private_network(tmp_path):
    process = start("train_impala", IMPALA_BINDINGS + [
        "ImpalaTrainer.max_env_steps = 100000000", "ImpalaTrainer.log_interval_s = 0.5",
        "ImpalaTrainer.target_return = None"], f"--root_dir={tmp_path}")
    try:
        lines = wait_for_line(process, "env steps")
        assert any("reachable from this process and its actors only" in line
                   for line in lines), lines
        inside = netns(process.pid)
        assert inside != netns(os.getpid()) and interfaces(process.pid) == {"lo"}
        assert listening_ports(process.pid)  # Reverb's [::]:PORT, inside
        actors = children(process.pid)
        assert len(actors) >= 2 and all(netns(pid) == inside for pid in actors)
    finally:
        stop(process)


def test_bind_all_interfaces_keeps_the_callers_network_and_says_so(tmp_path):
    process = start("train_rainbow", TINY_BINDINGS + [
        "RainbowTrainer.max_env_steps = 1000000", "RainbowTrainer.log_interval_s = 0.5"],
        f"--root_dir={tmp_path}", "--bind_all_interfaces")
    try:
        lines = wait_for_line(process, "env steps")
        assert any("listens on every interface" in line for line in lines), lines
        assert netns(process.pid) == netns(os.getpid())
    finally:
        stop(process)
