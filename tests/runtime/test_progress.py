import io

import pytest

from tfrainbow.runtime import progress as progress_lib


@pytest.mark.parametrize("seconds, text", [(0, "0m00s"), (59.9, "0m59s"), (61, "1m01s"),
                                           (3599, "59m59s"), (3600, "1h00m"),
                                           (7322, "2h02m"), (-3, "0m00s")])
def test_duration(seconds, text):
    assert progress_lib._duration(seconds) == text


def test_progress_line_rates_and_eta(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(progress_lib.time, "monotonic", lambda: now[0])
    stream = io.StringIO()
    progress = progress_lib.Progress(10_000, stream=stream)
    # 10 s without a single env step (actors starting): no ETA yet, not "0m00s".
    now[0] = 110.0
    figures = progress.update(0, 0, 0, [], 0)
    assert figures["speed/env_steps_per_s"] == 0.0
    assert stream.getvalue().rstrip().endswith("ETA --")
    # 2,000 steps and 500 updates in the next 10 s: 200 steps/s, 8,000 left -> 40 s.
    now[0] = 120.0
    figures = progress.update(2_000, 3, 500, [10.0, 20.0], 64)
    assert figures == {"train/mean_return": 15.0, "speed/env_steps_per_s": 200.0,
                       "speed/updates_per_s": 50.0, "replay/size": 64.0}
    last = stream.getvalue().splitlines()[-1]
    assert last == ("[0m20s] env steps 2,000/10,000 | episodes 3 | return (last 100) 15.0 | "
                    "200 env steps/s | 50 updates/s | replay 64 | ETA 0m40s")
