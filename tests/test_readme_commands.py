"""Every command the README and docs/ show (shell blocks and inline `python ...` spans) names
flags its binary or benchmark script defines, gin files that exist and gin bindings that
parse: a renamed flag or binding fails here, not in a user's terminal."""
import functools
import pathlib
import re
import shlex
import subprocess
import sys

import gin
import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md"] + sorted((REPO / "docs").glob("*.md"))


def commands():
    """(page, program, args) of each `python -m binaries.X ...`, `tfrainbow-x ...` (the
    installed command of binaries.X) or `python benchmarks/X.py ...`."""
    found = []
    for page in PAGES:
        text = page.read_text()
        lines = []
        for block in re.findall(r"```sh\n(.*?)```", text, re.S):
            lines += block.replace("\\\n", " ").splitlines()
        lines += re.findall(r"`((?:python (?:-m binaries\.|benchmarks/)|tfrainbow-)[^`]*)`",
                            text)
        for line in lines:
            tokens = shlex.split(line, comments=True)
            if tokens[:2] == ["python", "-m"] and tokens[2].startswith("binaries."):
                found.append((page.name, tokens[2], tokens[3:]))
            elif tokens and tokens[0].startswith("tfrainbow-"):
                program = "binaries." + tokens[0][len("tfrainbow-"):].replace("-", "_")
                found.append((page.name, program, tokens[1:]))
            elif tokens[:1] == ["python"] and tokens[1].startswith("benchmarks/"):
                found.append((page.name, tokens[1], tokens[2:]))
    # `python -m binaries.NAME` in prose is a placeholder, not a command.
    return [c for c in found if not c[1].split(".")[-1].isupper()]


COMMANDS = commands()


@functools.lru_cache(maxsize=None)
def defined_flags(program: str):
    """The flags `program` (binaries.X or benchmarks/X.py) defines, from its own help."""
    if program.startswith("binaries."):
        argv, pattern = [sys.executable, "-m", program, "--helpfull"], r"--(?:\[no\])?(\w+):"
    else:
        argv, pattern = [sys.executable, program, "--help"], r"--(\w+)"
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120)
    text = done.stdout + done.stderr
    # absl's --helpfull exits 1 after printing the flags; argparse's --help exits 0.
    assert done.returncode in (0, 1) and "--help" in text, text[-1000:]
    return set(re.findall(pattern, text))


def test_the_pages_show_commands():
    programs = {program for _, program, _ in COMMANDS}
    assert {"binaries.train_rainbow", "binaries.train_impala", "binaries.evaluate",
            "binaries.reverb_server", "binaries.actor", "binaries.learner",
            "benchmarks/minatar.py", "benchmarks/atari100k.py"} <= programs, programs


@pytest.mark.parametrize("page,program,args", COMMANDS,
                         ids=[f"{p}:{prog}:{i}" for i, (p, prog, _) in enumerate(COMMANDS)])
def test_command_flags_gin_files_and_bindings_exist(page, program, args):
    from tfrainbow import builders  # noqa: F401  (registers the configurables)
    from tfrainbow.distributed import actor, learner, server  # noqa: F401
    from tfrainbow.runtime import train_impala, train_rainbow  # noqa: F401

    flags = {a[2:].split("=", 1)[0] for a in args if a.startswith("--")}
    unknown = flags - defined_flags(program)
    assert not unknown, f"{page}: {program} has no flag(s) {sorted(unknown)}"
    gin_files = [a.split("=", 1)[1] for a in args if a.startswith("--gin_file=")]
    bindings = [a.split("=", 1)[1] for a in args if a.startswith("--gin_bindings=")]
    for path in gin_files:
        assert (REPO / path).exists(), f"{page}: no gin file {path}"
    if gin_files and program.startswith("binaries."):
        gin.clear_config()
        gin.add_config_file_search_path(str(REPO))
        try:
            gin.parse_config_files_and_bindings([str(REPO / f) for f in gin_files], bindings)
        finally:
            gin.clear_config()
