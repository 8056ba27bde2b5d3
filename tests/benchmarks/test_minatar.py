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
    calls = []
    runs = suite.run_all([("Breakout", 0)], "gin/rainbow/minatar.gin", 1000, str(tmp_path),
                         lambda game, seed: calls.append((game, seed)) or [])
    assert calls == [] and runs[("Breakout", 0)][1]["eval_mean_return"] == 5.0


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
