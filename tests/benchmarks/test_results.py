"""The committed reports under benchmarks/results/: each one's runs were trained with its
config file as it reads today, so the command that wrote it (its flags and bindings, in
the README and docs/) adds to it rather than being refused for a changed config."""
import json
import pathlib

import pytest

from benchmarks import atari100k, minatar, suite

REPO = pathlib.Path(__file__).resolve().parents[2]
RESULTS = REPO / "benchmarks" / "results"
REPORTS = sorted(p.name for p in RESULTS.glob("*.json")
                 if "config_sha1" in json.loads(p.read_text()))


def test_the_suite_reports_are_found():
    assert {"minatar_rainbow.json", "minatar_impala.json", "atari100k_rainbow.json"} <= set(
        REPORTS)


@pytest.mark.parametrize("name", REPORTS)
def test_a_report_was_trained_with_its_config_as_it_is_now(name):
    report = json.loads((RESULTS / name).read_text())
    assert suite.config_digest(report["config"]) == report["config_sha1"], (
        f"{report['config']} changed since {name} was written: give the report's command the "
        "old values as --gin_bindings and update its config_sha1, or rerun it")


SCRIPTS = {"benchmarks/minatar.py": minatar, "benchmarks/atari100k.py": atari100k}


def documented_runs():
    """(page, report, the settings its command would give) of each benchmark command the
    README and docs/ show that writes a committed report, read by the script's own parser."""
    from tests.test_readme_commands import commands
    found = []
    for page, program, args in commands():
        if program not in SCRIPTS:
            continue
        script = SCRIPTS[program]
        out, settings = script.report_settings(script.make_parser().parse_args(args))
        if (REPO / out).exists():
            found.append((page, out, settings))
    return found


DOCUMENTED = documented_runs()


def test_the_documented_commands_are_found():
    assert {out for _, out, _ in DOCUMENTED} >= {
        "benchmarks/results/minatar_rainbow.json", "benchmarks/results/minatar_impala.json",
        "benchmarks/results/atari100k_rainbow.json"}


@pytest.mark.parametrize("page,out,settings", DOCUMENTED,
                         ids=[f"{page}:{out.split('/')[-1]}" for page, out, _ in DOCUMENTED])
def test_a_documented_command_adds_to_its_report(page, out, settings):
    # The suites refuse a report of other settings (suite.earlier_report): a command shown
    # with other bindings or budget than its report's would fail for the user who runs it.
    report = json.loads((REPO / out).read_text())
    differ = {key: (report.get(key), value) for key, value in settings.items()
              if report.get(key) != value}
    assert not differ, f"{page}: the command writing {out} differs from it (report, command): {differ}"
