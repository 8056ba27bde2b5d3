"""Resumable benchmark suites: one run directory per (game, seed), each trained by
its agent's trainer binary (`binaries.train_rainbow` or `binaries.train_impala`) in its own process (a killed or stopped run resumes from its
checkpoint when the suite is started again; a finished one is kept and not rerun)."""
import hashlib
import json
import os
import pathlib
import platform
import re
import subprocess
import sys
import time
from typing import List, Optional

REPO = pathlib.Path(__file__).resolve().parents[1]
SUITE_FILE = "suite.json"  # in a run directory: the suite's own record (wall-clock so far)
# agent -> (trainer binary, the trainer's gin name): the one place a suite names them.
TRAINERS = {"rainbow": ("binaries.train_rainbow", "RainbowTrainer"),
            "impala": ("binaries.train_impala", "ImpalaTrainer")}


def machine() -> str:
    """The CPU these figures come from (every figure says it)."""
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        model = next(line.split(":", 1)[1].strip() for line in text.splitlines()
                     if line.startswith("model name"))
        bf16 = ", AVX512_BF16" if "avx512_bf16" in text else ""
    except (OSError, StopIteration):
        model, bf16 = platform.processor() or "unknown CPU", ""
    return f"{model}, {os.cpu_count()} cores{bf16}"


def finished(run_dir: str, env_steps: int) -> Optional[dict]:
    """The run's results.json if it went the whole `env_steps`, else None."""
    path = os.path.join(run_dir, "results.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        results = json.load(f)
    done = not results.get("interrupted") and results.get("env_steps", 0) >= env_steps
    return results if done else None


def suite_record(run_dir: str) -> dict:
    """What the suite recorded of a run so far ({} before its first sitting)."""
    path = os.path.join(run_dir, SUITE_FILE)
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def write_record(run_dir: str, record: dict):
    with open(os.path.join(run_dir, SUITE_FILE), "w") as f:
        json.dump(record, f, indent=2)


def run_settings(gin_file: str, bindings: List[str]) -> dict:
    """What one run was trained with (its config's text and its own bindings: game, seed,
    the suite's flags); the budget is left out, as a run may be trained on to a larger one."""
    return {"config": gin_file, "config_sha1": config_digest(gin_file),
            "gin_bindings": list(bindings)}


def check_settings(run_dir: str, settings: dict):
    """Refuses a run directory trained with other settings than `settings` (a changed gin
    file, other bindings): resuming it, or reporting it, would mix two configurations. A
    directory without a record (trained before runs recorded theirs, or outside the suite)
    is accepted, as before."""
    recorded = suite_record(run_dir).get("settings")
    if recorded is None or recorded == settings:
        return
    differ = [f"{key} {recorded.get(key)!r} there, {value!r} now"
              for key, value in settings.items() if recorded.get(key) != value]
    raise SystemExit(f"error: {run_dir} was trained with other settings ({'; '.join(differ)}): "
                     "pass another --runs_dir for these, or move that directory away.")


def machines_of(records) -> List[str]:
    """Every machine the runs of `records` (dicts with a "machines" list) trained on, in order
    of first appearance: a report gathers runs of several sittings, often on other machines."""
    return list(dict.fromkeys(m for record in records for m in record.get("machines", [])))


def config_digest(gin_file: str) -> str:
    """sha1 of a gin file's text and of the files it includes (paths from the repository
    root): a report's runs are comparable only if their configs were the same text."""
    digest, pending = hashlib.sha1(), [gin_file]
    while pending:
        text = (REPO / pending.pop(0)).read_text()
        digest.update(text.encode())
        pending += re.findall(r"^include\s+'([^']+)'", text, flags=re.M)
    return digest.hexdigest()[:12]


def earlier_report(path: str, settings: dict) -> dict:
    """The report an earlier sitting wrote to `path` ({} if none), whose runs a new report
    keeps where this sitting did not train them: run directories do not outlive the machine
    they ran on, the committed report does. A report of other `settings` (its keys: budget,
    config, bindings) is refused, not overwritten."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        report = json.load(f)
    differ = [f"{key} {report.get(key, [] if isinstance(value, list) else None)!r} there, "
              f"{value!r} now" for key, value in settings.items()
              if report.get(key, [] if isinstance(value, list) else None) != value]
    if differ:
        raise SystemExit(f"error: {path} holds results of other settings ({'; '.join(differ)}): "
                         "pass --out (and --plot) for these, or move that file away.")
    return report


def train_command(run_dir: str, gin_file: str, env_steps: int, bindings: List[str],
                  agent: str = "rainbow") -> List[str]:
    """The trainer command of one run: its agent's binary, to env_steps."""
    binary, trainer = TRAINERS[agent]
    return [sys.executable, "-m", binary, f"--gin_file={gin_file}", f"--root_dir={run_dir}",
            f"--gin_bindings={trainer}.max_env_steps = {env_steps}"] + [
        f"--gin_bindings={b}" for b in bindings]


def train(run_dir: str, gin_file: str, env_steps: int, bindings: List[str],
          agent: str = "rainbow") -> dict:
    """Trains (or resumes) the run in run_dir to env_steps in a process of its own; adds the
    sitting's wall-clock to run_dir/suite.json. Returns the run's results."""
    os.makedirs(run_dir, exist_ok=True)
    command = train_command(run_dir, gin_file, env_steps, bindings, agent)
    record = suite_record(run_dir)
    record["settings"] = run_settings(gin_file, bindings)  # before training: a stopped run too
    write_record(run_dir, record)
    start = time.monotonic()
    done = subprocess.run(command, cwd=REPO)  # the trainer does not touch suite.json
    record["wall_clock_s"] = round(record.get("wall_clock_s", 0.0) + time.monotonic() - start, 1)
    record["sittings"] = record.get("sittings", 0) + 1
    record.setdefault("machines", [])
    if machine() not in record["machines"]:
        record["machines"].append(machine())
    write_record(run_dir, record)
    if done.returncode != 0:
        raise SystemExit(f"error: the run in {run_dir} failed (exit {done.returncode}); "
                         "start the suite again to resume it.")
    return finished(run_dir, env_steps) or {}


def finished_in(runs_dir: str, names, env_steps: int, gin_file: Optional[str] = None,
                bindings_of=None) -> dict:
    """Every run of `names` that an earlier sitting finished in runs_dir (directories
    NAME-seedN), as run_all gives them: a report covers the suite so far, not only the
    games and seeds of this sitting's command. With `gin_file` and `bindings_of`, a run
    trained with other settings is refused (check_settings)."""
    out = {}
    for name in names:
        prefix = f"{name}-seed"
        for entry in sorted(os.listdir(runs_dir)) if os.path.isdir(runs_dir) else []:
            seed = entry[len(prefix):]
            if entry.startswith(prefix) and seed.isdigit():
                run_dir = os.path.join(runs_dir, entry)
                results = finished(run_dir, env_steps)
                if results is None:
                    continue
                if gin_file is not None:
                    check_settings(run_dir, run_settings(gin_file, bindings_of(name, int(seed))))
                out[(name, int(seed))] = (run_dir, results)
    return dict(sorted(out.items()))


def run_all(runs, gin_file: str, env_steps: int, runs_dir: str, bindings_of,
            agent: str = "rainbow") -> dict:
    """Each (name, seed) of `runs` finished or trained: {(name, seed): (run_dir, results)}.
    `bindings_of(name, seed)` gives the run's gin bindings."""
    out = {}
    for name, seed in runs:
        run_dir = os.path.join(runs_dir, f"{name}-seed{seed}")
        check_settings(run_dir, run_settings(gin_file, bindings_of(name, seed)))
        results = finished(run_dir, env_steps)
        if results is not None:
            print(f"{name} seed {seed}: finished earlier, kept ({run_dir}).", flush=True)
        else:
            print(f"{name} seed {seed}: training to {env_steps:,} env steps in {run_dir} "
                  "(resumes from its checkpoint if it has one).", flush=True)
            results = train(run_dir, gin_file, env_steps, bindings_of(name, seed), agent)
        out[(name, seed)] = (run_dir, results)
    return out
