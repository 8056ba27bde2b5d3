"""docker/: no Docker engine runs here, so the files are checked against the code: every
command names a real binary, flag and gin file, and Reverb stays off published ports."""
import pathlib
import re
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
COMPOSE = (REPO / "docker" / "compose.yaml").read_text()


def services():
    """{service: its block of compose.yaml}, from the top-level `services:` mapping."""
    body = COMPOSE.split("\nservices:\n", 1)[1].split("\nnetworks:\n", 1)[0]
    parts = re.split(r"^  ([\w-]+):\n", body, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def command(block):
    """The service's command, defaults of ${VAR:-default} filled in, on one line."""
    match = re.search(r"command: >-\n((?:      .*\n)+)|command: (.*)\n", block)
    text = " ".join((match.group(1) or match.group(2)).split())
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)


def defined_flags(binary):
    done = subprocess.run([sys.executable, "-m", f"binaries.{binary}", "--helpfull"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    return set(re.findall(r"^\s+--(?:\[no\])?(\w+)", done.stdout, flags=re.M))


def test_compose_has_the_four_roles():
    assert set(services()) == {"reverb-server", "actor", "learner", "tensorboard"}


@pytest.mark.parametrize("service, binary", [("reverb-server", "reverb_server"),
                                             ("actor", "actor"), ("learner", "learner")])
def test_compose_commands_use_real_binaries_flags_and_gin_files(service, binary):
    text = command(services()[service])
    assert text.startswith(f"python -m binaries.{binary} ")
    flags = re.findall(r"--(\w+)", text)
    assert set(flags) <= defined_flags(binary), flags
    for gin_file in re.findall(r"--gin_file=(\S+)", text):
        assert (REPO / gin_file).is_file(), gin_file
    if binary != "reverb_server":
        assert "--reverb_address=reverb-server:8000" in text


def test_reverb_stays_on_the_internal_network():
    blocks = services()
    assert "--bind_all_interfaces" in command(blocks["reverb-server"])
    for name, block in blocks.items():
        published = re.findall(r'^\s+- "([^"]+)"$', block.split("ports:")[1], flags=re.M) \
            if "ports:" in block else []
        assert name == "tensorboard" or not published, (name, published)
        assert all(p.startswith("127.0.0.1:") for p in published), published
    networks = COMPOSE.split("\nnetworks:\n", 1)[1]
    assert re.search(r"internal:\n\s+internal: true", networks)


def test_dockerfiles_bases_and_install():
    cpu = (REPO / "docker" / "Dockerfile").read_text()
    gpu = (REPO / "docker" / "Dockerfile.gpu").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", cpu, flags=re.M)
    # TF 2.15's tested build: CUDA 12.2, cuDNN 8.9.
    assert re.search(r"^FROM nvidia/cuda:12\.2\.\d+-cudnn8-runtime-ubuntu22\.04$", gpu,
                     flags=re.M)
    for text in (cpu, gpu):
        copied = {p for line in re.findall(r"^COPY (.*) \S+$", text, flags=re.M)
                  for p in line.split()}
        assert copied >= {"setup.cfg", "pyproject.toml", "README.md", "tfrainbow", "binaries",
                          "gin"}, copied
        assert "pip install" in text
