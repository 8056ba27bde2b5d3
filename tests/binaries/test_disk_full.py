"""A disk that fills mid-run: one line and exit 1, the partial save removed, the last
complete checkpoint and its replay kept; with space again, the same command resumes from it.
On a small tmpfs in a private mount namespace (root or unprivileged user namespaces)."""
import pathlib
import shutil
import subprocess
import sys

import pytest

from tests.runtime.tiny_run import TINY_BINDINGS

REPO = pathlib.Path(__file__).resolve().parents[2]

SCRIPT = """
set -u
mount -t tmpfs -o size=400k none "$1" || exit 77
"$2" -m binaries.train_rainbow --root_dir="$1/run" "${@:3}" > "$1/../first.out" 2>&1
echo "first exit $?"
find "$1/run" | sort
mount -o remount,size=64m "$1"
"$2" -m binaries.train_rainbow --root_dir="$1/run" "${@:3}" > "$1/../second.out" 2>&1
echo "second exit $?"
"""


def test_a_full_disk_is_one_line_and_keeps_the_last_complete_checkpoint(tmp_path):
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1) here")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    bindings = TINY_BINDINGS + ["RainbowTrainer.max_env_steps = 4000",
                                "RainbowTrainer.checkpoint_interval = 1000",
                                "ReplayConfig.max_size = 10000"]
    unshare = ["unshare", "-m"] if subprocess.run(
        ["unshare", "-m", "true"], capture_output=True).returncode == 0 else ["unshare", "-rm"]
    done = subprocess.run(unshare + ["bash", "-c", SCRIPT, "script", str(mnt), sys.executable]
                          + [f"--gin_bindings={b}" for b in bindings],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    if done.returncode == 77 or "first exit" not in done.stdout:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr[-300:]}")
    first = (tmp_path / "first.out").read_text()
    assert "first exit 1" in done.stdout, first[-3000:]
    errors = [line for line in first.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in first, first[-3000:]
    assert "No space left on the disk" in errors[0] and "resume" in errors[0]
    assert first.strip().splitlines()[-1] == errors[0]
    listing = done.stdout.split("first exit 1", 1)[1].split("second exit", 1)[0]
    assert "_temp" not in listing and ".tmp" not in listing, listing
    kept = {line.rsplit("/", 1)[1] for line in listing.splitlines()
            if "/replay_kept/" in line and line.count("/replay_kept/") == 1
            and line.rsplit("/replay_kept/", 1)[1].isdigit()}
    weights = {line.rsplit("ckpt-", 1)[1].split(".")[0] for line in listing.splitlines()
               if "/checkpoints/ckpt-" in line and line.endswith(".index")}
    assert weights and max(weights, key=int) in kept, (weights, kept)
    second = (tmp_path / "second.out").read_text()
    assert "second exit 0" in done.stdout, second[-3000:]
    assert f"Resuming {mnt}/run: {int(max(weights, key=int)):,} env steps" in second, second
