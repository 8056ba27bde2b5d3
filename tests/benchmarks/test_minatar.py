"""benchmarks/minatar.py: the per-window metric against a hand-made episode log, and the
suite's resume logic (a finished run is kept, an unfinished one is not)."""
import json

from benchmarks import minatar, suite
from tfrainbow.runtime.episode_log import EpisodeLog, read_episodes


def test_window_means_of_a_hand_made_log(tmp_path):
    log = EpisodeLog(str(tmp_path))
    # (env steps at the episode's end, return, length), windows of 100 env steps
    for row in [(40, 1.0, 40), (100, 3.0, 60), (101, 10.0, 1), (250, 20.0, 149),
                (260, 30.0, 10)]:
        log.record(*row)
    log.flush()
    log.record(390, 7.0, 130)
    log.flush()  # appended after the first flush, one header
    episodes = read_episodes(str(tmp_path))
    assert episodes == [(40, 1.0, 40), (100, 3.0, 60), (101, 10.0, 1), (250, 20.0, 149),
                        (260, 30.0, 10), (390, 7.0, 130)]
    # step 100 ends the first window [1, 100]; 101 opens the second; none in the fourth
    assert minatar.window_means(episodes, 100, 5) == [2.0, 10.0, 25.0, 7.0, None]


def test_summary_over_seeds_skips_missing_windows():
    summary = minatar.summarize({0: [1.0, 3.0, None], 1: [3.0, None, None]})
    assert summary == {"mean": [2.0, 3.0, None], "std": [1.0, 0.0, None]}


def test_a_finished_run_is_kept_and_an_unfinished_one_is_not(tmp_path):
    run = tmp_path / "Breakout-seed0"
    assert suite.finished(str(run), 1000) is None  # never started
    run.mkdir()
    (run / "results.json").write_text(json.dumps({"env_steps": 600, "interrupted": True}))
    assert suite.finished(str(run), 1000) is None  # stopped part way: resumed next time
    (run / "results.json").write_text(json.dumps({"env_steps": 1000, "interrupted": False,
                                                  "eval_mean_return": 5.0}))
    assert suite.finished(str(run), 1000)["eval_mean_return"] == 5.0
    assert suite.finished(str(run), 2000) is None  # a larger budget trains on
    runs = suite.run_all([("Breakout", 0)], "gin/rainbow/minatar.gin", 1000, str(tmp_path),
                         lambda game, seed: [])
    assert runs[("Breakout", 0)][1]["eval_mean_return"] == 5.0
    assert not (run / suite.SUITE_FILE).exists()  # nothing trained


def test_each_agent_trains_with_its_own_binary_and_budget():
    for agent, binary, trainer in (("rainbow", "binaries.train_rainbow", "RainbowTrainer"),
                                   ("impala", "binaries.train_impala", "ImpalaTrainer")):
        command = suite.train_command("runs/x", f"gin/{agent}/minatar.gin", 2000,
                                      ["make_env.env_id = 'MinAtar/Breakout-v0'"], agent)
        assert command[1:] == ["-m", binary, f"--gin_file=gin/{agent}/minatar.gin",
                               "--root_dir=runs/x",
                               f"--gin_bindings={trainer}.max_env_steps = 2000",
                               "--gin_bindings=make_env.env_id = 'MinAtar/Breakout-v0'"]


def test_the_report_covers_runs_finished_in_earlier_sittings(tmp_path):
    def make(name, results):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps(results))

    make("Breakout-seed0", {"env_steps": 1000, "interrupted": False})
    make("Breakout-seed1", {"env_steps": 400, "interrupted": True})  # unfinished: left out
    make("Asterix-seed3", {"env_steps": 1000, "interrupted": False})
    make("Asterix-seedx", {"env_steps": 1000, "interrupted": False})  # not a run of the suite
    make("Freeway-seed0", {"env_steps": 500, "interrupted": False})  # a smaller budget
    found = suite.finished_in(str(tmp_path), ["Asterix", "Breakout", "Freeway"], 1000)
    assert list(found) == [("Asterix", 3), ("Breakout", 0)]
    assert found[("Breakout", 0)][0] == str(tmp_path / "Breakout-seed0")
    assert suite.finished_in(str(tmp_path / "none"), ["Breakout"], 1000) == {}


def test_a_report_keeps_the_runs_of_earlier_sittings_and_refuses_other_settings(
        tmp_path, monkeypatch):
    import sys

    import pytest

    runs, out = tmp_path / "runs", tmp_path / "minatar.json"
    run = runs / "Breakout-seed0"
    run.mkdir(parents=True)
    (run / "results.json").write_text(json.dumps({"env_steps": 1000, "interrupted": False,
                                                  "eval_mean_return": 6.0}))
    log = EpisodeLog(str(run))
    for row in [(300, 2.0, 300), (500, 4.0, 200), (1000, 8.0, 500)]:
        log.record(*row)
    log.flush()
    # An earlier sitting's report, on a machine whose run directories are gone.
    asterix = {"windows": [1.0, 3.0], "final_eval_return": 3.5, "final_eval_std": 0.5,
               "final_eval_policy": "greedy", "env_steps": 1000, "wall_clock_s": 60.0,
               "machines": ["Xeon, 2 cores"]}
    settings = {"agent": "rainbow", "config": "gin/rainbow/minatar.gin",
                "config_sha1": suite.config_digest("gin/rainbow/minatar.gin"),
                "gin_bindings": [], "frames": 1000, "window": 500}
    out.write_text(json.dumps({**settings, "games": {"Asterix": {"seeds": {"1": asterix}},
                                                     "Breakout": {"seeds": {"0": {}}}}}))
    argv = ["minatar.py", "--games=Breakout", "--seeds=0", "--frames=1000", "--window=500",
            f"--runs_dir={runs}", f"--out={out}", f"--plot={tmp_path / 'minatar.png'}"]
    monkeypatch.setattr(sys, "argv", argv)
    minatar.main()  # Breakout seed 0 is finished: nothing trains
    report = json.loads(out.read_text())
    assert list(report["games"]) == ["Asterix", "Breakout"]
    assert report["games"]["Asterix"]["seeds"]["1"] == asterix  # kept as it was
    assert report["games"]["Asterix"]["mean"] == [1.0, 3.0]
    # The report names every run's machine, not only this sitting's (Breakout's run
    # directory has no suite.json: trained outside the suite).
    assert report["machines"] == ["Xeon, 2 cores"]
    breakout = report["games"]["Breakout"]["seeds"]["0"]  # this sitting's run replaced it
    assert breakout["windows"] == [3.0, 8.0] and breakout["final_eval_return"] == 6.0
    # Another budget would mix results of two settings: refused, the file left as it was.
    before = out.read_text()
    monkeypatch.setattr(sys, "argv", [a.replace("--frames=1000", "--frames=2000") for a in argv])
    with pytest.raises(SystemExit, match=r"holds results of other settings \(frames 1000 "
                                         r"there, 2000 now\)"):
        minatar.main()
    assert out.read_text() == before
    assert suite.earlier_report(str(tmp_path / "none.json"), settings) == {}


def test_the_config_digest_covers_the_included_files():
    import hashlib

    texts = [(suite.REPO / f).read_text() for f in ("gin/rainbow/atari100k.gin",
                                                   "gin/rainbow/atari.gin")]
    by_hand = hashlib.sha1("".join(texts).encode()).hexdigest()[:12]
    assert suite.config_digest("gin/rainbow/atari100k.gin") == by_hand
    assert suite.config_digest("gin/rainbow/atari.gin") != by_hand


def test_a_run_directory_of_other_settings_is_refused(tmp_path):
    """A run directory records what it was trained with; resuming or reporting it under
    another config text or other bindings is refused, the directory left as it was."""
    import pytest

    run = tmp_path / "Breakout-seed0"
    run.mkdir()
    (run / "results.json").write_text(json.dumps({"env_steps": 1000, "interrupted": False}))
    bindings_of = lambda game, seed: [f"make_env.env_id = 'MinAtar/{game}-v0'",  # noqa: E731
                                      f"RainbowTrainer.seed = {seed}"]
    settings = suite.run_settings("gin/rainbow/minatar.gin", bindings_of("Breakout", 0))
    assert settings == {"config": "gin/rainbow/minatar.gin",
                        "config_sha1": suite.config_digest("gin/rainbow/minatar.gin"),
                        "gin_bindings": ["make_env.env_id = 'MinAtar/Breakout-v0'",
                                         "RainbowTrainer.seed = 0"]}
    # No record (trained before runs kept one): accepted, as before.
    assert suite.finished_in(str(tmp_path), ["Breakout"], 1000, "gin/rainbow/minatar.gin",
                             bindings_of)
    suite.write_record(str(run), {"settings": settings, "wall_clock_s": 5.0})
    assert suite.run_all([("Breakout", 0)], "gin/rainbow/minatar.gin", 1000, str(tmp_path),
                         bindings_of)[("Breakout", 0)][0] == str(run)
    other = lambda game, seed: bindings_of(game, seed) + [  # noqa: E731
        "UnrollConfig.batch_size = 16"]
    before = (run / suite.SUITE_FILE).read_text()
    message = r"Breakout-seed0 was trained with other settings \(gin_bindings .*batch_size"
    with pytest.raises(SystemExit, match=message):
        suite.run_all([("Breakout", 0)], "gin/rainbow/minatar.gin", 1000, str(tmp_path), other)
    with pytest.raises(SystemExit, match=message):
        suite.finished_in(str(tmp_path), ["Breakout"], 1000, "gin/rainbow/minatar.gin", other)
    with pytest.raises(SystemExit, match=r"config_sha1 .* there, .* now"):
        suite.run_all([("Breakout", 0)], "gin/rainbow/atari100k.gin", 1000, str(tmp_path),
                      bindings_of)
    assert (run / suite.SUITE_FILE).read_text() == before


def test_a_run_records_its_settings_before_training(tmp_path):
    """Even a run that stops at once (here: a binding the trainer rejects) carries its
    settings, so a later sitting cannot resume it under others."""
    import pytest

    bindings = ["make_env.env_id = 'MinAtar/Breakout-v0'", "NoSuchConfigurable.x = 1"]
    with pytest.raises(SystemExit, match="failed"):
        suite.train(str(tmp_path / "run"), "gin/rainbow/minatar.gin", 1000, bindings)
    record = suite.suite_record(str(tmp_path / "run"))
    assert record["settings"] == suite.run_settings("gin/rainbow/minatar.gin", bindings)
    assert record["sittings"] == 1
