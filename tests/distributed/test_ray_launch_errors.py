"""The Ray launcher's mistakes that need no cluster: each one line and exit status 1, fast
(the driver imports neither TensorFlow nor, before it needs it, Ray)."""
import subprocess
import sys

from tests.binaries.split_run import ENV, REPO, free_port


def launch(*args, block_ray=False):
    code = ("import sys\n" + ("sys.modules['ray'] = None\n" if block_ray else "")
            + f"sys.argv = ['launch_ray', *{list(args)!r}]\n"
            "from tfrainbow.cli.launch_ray import run\nrun()\n")
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=ENV, capture_output=True,
                          text=True, timeout=60)


def test_without_ray_one_line_names_the_extra(tmp_path):
    done = launch(f"--root_dir={tmp_path}", block_ray=True)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == ("error: Ray is not installed: pip install 'tfrainbow[ray]' (it keeps "
                           "protobuf below 5, which TensorFlow 2.15 needs).\n")


def test_nothing_at_the_address_fails_at_once(tmp_path):
    # ray.init itself would wait for a cluster there without end.
    port = free_port()
    done = launch(f"--root_dir={tmp_path}", f"--address=127.0.0.1:{port}")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"error: No Ray cluster at 127.0.0.1:{port} ([Errno 111] Connection refused): start "
        "one with `ray start --head`, or fix --address.")


def test_bad_resources_and_counts_are_refused(tmp_path):
    done = launch(f"--root_dir={tmp_path}", "--actor_resources=reverb")
    assert done.returncode == 1 and done.stderr == (
        "error: --actor_resources=reverb is not a JSON object of resource amounts: write it "
        "like '{\"reverb\": 1}'.\n")
    done = launch(f"--root_dir={tmp_path}", "--num_actors=0")
    assert done.returncode == 1 and done.stderr == (
        "error: --num_actors=0: a run needs at least one actor.\n")
    done = launch(f"--root_dir={tmp_path}", "--gin_file=nowhere.gin")
    assert done.returncode == 1 and done.stderr == (
        "error: No gin file nowhere.gin: name a shipped config (gin/rainbow/...) or a file that "
        "exists at that path on every node.\n")
