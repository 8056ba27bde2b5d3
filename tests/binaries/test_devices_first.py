"""Every binary can still choose its devices when its main starts: importing it initialises no
TensorFlow context (after that TF refuses to hide a GPU or change memory growth, which only
a GPU host would show), and `common.use_devices` runs before anything else in main."""
import ast
import pathlib
import sys

import pytest

from tests.binaries.side_by_side import side_by_side

REPO = pathlib.Path(__file__).resolve().parents[2]
ROLES = {"actor": True, "reverb_server": True, "learner": False, "train_rainbow": False,
         "train_impala": False, "evaluate": False, "export_policy": False}

CHECK = """
import sys
sys.argv = ["{name}", "--bind_all_interfaces"] if "{name}" == "reverb_server" else ["{name}"]
import tfrainbow.cli.{name}
from tfrainbow.cli import common
import tensorflow as tf
common.use_devices(cpu_only={cpu_only})
# Raises RuntimeError once TF's context is initialised, GPU or not.
tf.config.threading.set_inter_op_parallelism_threads(2)
print("gpus visible:", len(tf.config.get_visible_devices("GPU")))
"""


@pytest.fixture(scope="module")
def imports():
    """Each role's check in its own process (TF's context is per process), all at once."""
    names = sorted(ROLES)
    runs = side_by_side([[sys.executable, "-c", CHECK.format(name=name, cpu_only=ROLES[name])]
                         for name in names], REPO, timeout=120)
    return dict(zip(names, runs))


@pytest.mark.parametrize("name", sorted(ROLES))
def test_binary_import_leaves_devices_unchosen(imports, name):
    done = imports[name]
    assert done.returncode == 0, done.stderr[-2000:]
    if ROLES[name]:
        assert "gpus visible: 0" in done.stdout


@pytest.mark.parametrize("name", sorted(ROLES))
def test_main_chooses_devices_first(name):
    tree = ast.parse((REPO / "tfrainbow" / "cli" / f"{name}.py").read_text())
    main = next(node for node in tree.body
                if isinstance(node, ast.FunctionDef) and node.name == "main")
    calls = [stmt for stmt in main.body if isinstance(stmt, ast.Expr)
             and isinstance(stmt.value, ast.Call)]
    first = calls[0].value
    assert ast.unparse(first.func) == "common.use_devices"
    assert ([ast.literal_eval(k.value) for k in first.keywords if k.arg == "cpu_only"]
            or [False]) == [ROLES[name]]
    # Nothing but `del argv` before it.
    before = main.body[:main.body.index(calls[0])]
    assert all(isinstance(stmt, ast.Delete) for stmt in before)
