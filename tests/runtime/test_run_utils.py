"""Run helpers that need no server: the steady-state rate between two marks of a run."""
import pytest

from tfrainbow.runtime.run_utils import steady_rate


@pytest.mark.parametrize("first, last, index, scale, expected", [
    # IMPALA: 10 updates of 32 unrolls x 20 steps in 2 s
    ((5.0, 10), (7.0, 20), 1, 32 * 20, 10 * 640 / 2.0),
    # Rainbow: (time, updates, env steps): 20 updates and 30 env steps in 2 s
    ((10.0, 4, 100), (12.0, 24, 130), 1, 1.0, 10.0),
    ((10.0, 4, 100), (12.0, 24, 130), 2, 1.0, 15.0),
    ((5.0, 10), (5.0, 10), 1, 640, None),  # one update: no interval yet
    (None, None, 1, 640, None),  # no update at all
])
def test_steady_rate_runs_from_the_first_mark_to_the_last(first, last, index, scale, expected):
    assert steady_rate(first, last, index, scale) == expected
