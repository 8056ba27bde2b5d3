"""Every public module, class, function and method of tfrainbow says what it computes."""
import importlib
import inspect
import pkgutil

import tfrainbow


def public_members():
    for info in pkgutil.walk_packages(tfrainbow.__path__, "tfrainbow."):
        if info.name.startswith("tfrainbow.cli."):
            continue  # commands: one per process (their flags clash), their help is tested
        module = importlib.import_module(info.name)
        yield info.name, module
        for name, member in vars(module).items():
            if name.startswith("_") or getattr(member, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(member) or inspect.isfunction(member):
                yield f"{info.name}.{name}", member
                if inspect.isclass(member):
                    for attr, method in vars(member).items():
                        if not attr.startswith("_") and inspect.isfunction(method):
                            yield f"{info.name}.{name}.{attr}", method


def test_every_public_name_has_a_docstring():
    missing = [name for name, member in public_members()
               if not (inspect.getdoc(member) or "").strip()
               and not name.endswith(("get_config", "call", "build"))]  # Keras overrides
    assert not missing, "no docstring: " + ", ".join(missing)
